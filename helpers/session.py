"""One way for a notebook to get going: `get_session()`.

It decides the mode once (parameter, else `WORKSHOP_MODE`, else "aws" when
AWS credentials are configured and "local" when they are not), starts the
embedded runtime in local mode, and hands back everything a lab needs:
region, account id, a boto3 session, the default bucket, the execution role
and the tags every resource gets. Notebooks never branch on the mode except
to skip a cell that cannot exist offline.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from helpers import tagging

MODES = ("local", "aws")


@dataclass
class WorkshopSession:
    mode: str
    region: str
    account_id: str
    boto: boto3.Session
    bucket: str
    role_arn: str
    tags: dict[str, str]
    runtime: Any = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def local(self) -> bool:
        return self.mode == "local"

    def client(self, service: str, **kwargs):
        return self.boto.client(service, **kwargs)

    def resource(self, service: str, **kwargs):
        return self.boto.resource(service, **kwargs)

    @property
    def tag_list(self) -> list[dict[str, str]]:
        """Tags in the `[{"Key": ..., "Value": ...}]` form most APIs take."""
        return tagging.as_list(self.tags)

    @property
    def outbox(self):
        """The local mail outbox (local mode only: real SES has nothing to read back)."""
        if self.runtime is None:
            raise RuntimeError("The outbox exists in local mode only; in aws mode mail goes to real inboxes.")
        return self.runtime.outbox

    def sagemaker(self):
        """The SageMaker Python SDK (v3) session for this workshop session.

        The default bucket is passed in, so the SDK does not look it up
        through its own STS client."""
        from sagemaker.core.helper.session_helper import Session

        return Session(boto_session=self.boto, default_bucket=self.bucket)

    def summary(self) -> dict[str, str]:
        return {
            "mode": self.mode,
            "region": self.region,
            "account": self.account_id,
            "bucket": self.bucket,
            "execution role": self.role_arn,
            "tags": ", ".join(f"{k}={v}" for k, v in self.tags.items()),
            "endpoint": self.runtime.endpoint_url if self.runtime else "AWS",
        }


def resolve_mode(mode: str | None = None) -> str:
    """An explicit "local"/"aws" wins; "auto" (or None) defers to WORKSHOP_MODE, then
    picks aws when real AWS credentials are configured and local when they are not."""
    chosen = (mode or "auto").strip().lower()
    if chosen == "auto":
        chosen = (os.environ.get("WORKSHOP_MODE") or "auto").strip().lower()
    if chosen == "auto":
        from helpers import emulator as runtime

        if runtime.current() is not None or _points_at_loopback(os.environ.get("AWS_ENDPOINT_URL", "")):
            return "local"
        creds = boto3.Session().get_credentials()
        return "aws" if creds is not None else "local"
    if chosen not in MODES:
        raise ValueError(f"mode must be one of {MODES} or 'auto', got {mode!r}")
    return chosen


def _points_at_loopback(url: str) -> bool:
    """Credentials inherited from a local runtime (a parent process's) are not an AWS account."""
    return url.startswith(("http://127.", "http://localhost", "http://[::1]"))


def get_session(mode: str | None = None, *, event: str = "ml-events", region: str | None = None,
                state_dir: str | Path | None = None) -> WorkshopSession:
    """Return the workshop session for this kernel (starting local mode if needed)."""
    resolved = resolve_mode(mode)
    tags = tagging.workshop_tags(event)
    if resolved == "local":
        from helpers import emulator as runtime, seed

        rt = runtime.start(region or os.environ.get("WORKSHOP_REGION") or "us-east-1",
                           state_dir or os.environ.get("WORKSHOP_STATE_DIR"))
        boto = boto3.Session(region_name=rt.region)
        return WorkshopSession(
            mode="local", region=rt.region, account_id=runtime.ACCOUNT_ID, boto=boto,
            bucket=seed.default_bucket(rt.region, runtime.ACCOUNT_ID),
            role_arn=seed.role_arn(runtime.ACCOUNT_ID), tags=tags, runtime=rt,
        )
    boto = boto3.Session(region_name=region) if region else boto3.Session()
    region = boto.region_name or "us-east-1"
    ident = boto.client("sts").get_caller_identity()
    account = ident["Account"]
    role = os.environ.get("WORKSHOP_EXECUTION_ROLE") or _studio_role(boto) or ident["Arn"]
    return WorkshopSession(
        mode="aws", region=region, account_id=account, boto=boto,
        bucket=os.environ.get("WORKSHOP_BUCKET") or f"sagemaker-{region}-{account}",
        role_arn=role, tags=tags,
    )


def _studio_role(boto: boto3.Session) -> str | None:
    """The SageMaker execution role when running inside Studio, else None."""
    try:
        from sagemaker.core.helper.session_helper import get_execution_role  # type: ignore

        return get_execution_role(sagemaker_session=None)
    except Exception:  # noqa: BLE001 - outside SageMaker there is no execution role to find
        return None
