"""Deterministic archives: Lambda zip packages and SageMaker `*.tar.gz` files.

Why deterministic: the same files must give the same bytes, so a re-deployed
function or a re-uploaded model does not look like new code (Lambda's
CodeSha256, S3 ETags and the local job cache all hash the bytes). Every lab
that ships code to AWS builds its archive here.
"""
from __future__ import annotations

import io
import tarfile
import zipfile
from typing import Mapping

#: A fixed timestamp for every member (zip wants a date, tar an mtime).
ZIP_DATE = (2024, 1, 1, 0, 0, 0)
TAR_MTIME = 1_700_000_000


def _bytes(content: str | bytes) -> bytes:
    return content.encode() if isinstance(content, str) else content


def zip_bytes(files: Mapping[str, str | bytes]) -> bytes:
    """A zip of `{name: text or bytes}` with fixed dates and 0644 permissions."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.external_attr = 0o644 << 16
            zf.writestr(info, _bytes(content))
    return buf.getvalue()


def tar_gz(files: Mapping[str, str | bytes]) -> bytes:
    """A model.tar.gz / source.tar.gz of `{name: text or bytes}`, byte-for-byte the same for the same files."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, content in files.items():
            data = _bytes(content)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = TAR_MTIME
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()
