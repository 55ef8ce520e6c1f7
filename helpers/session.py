"""One way for a notebook to get going: `get_session()`.

It decides the mode once (parameter, else the configuration's mode, else
"aws" when AWS credentials are configured and "local" when they are not),
starts the embedded runtime in local mode, and hands back everything a lab
needs: region, account id, a boto3 session, the default bucket, the execution
role, the tags every resource gets and the workshop configuration
(`helpers.config`). In local mode its clients are pointed at the runtime
explicitly; the runtime also exports endpoint variables, but only for the
SDKs that cannot be given an endpoint (the SageMaker SDK, awswrangler). Notebooks never branch on the mode except
to skip a cell that cannot exist offline.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from helpers import report, tagging
from helpers.config import Config

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
    config: Config = field(default_factory=Config)
    runtime: Any = None

    @property
    def local(self) -> bool:
        return self.mode == "local"

    def client(self, service: str, **kwargs):
        """A boto3 client; in local mode it is pointed at the embedded runtime explicitly."""
        if self.runtime is not None:
            kwargs = {**self.runtime.client_config(), **kwargs}
        return self.boto.client(service, **kwargs)

    def resource(self, service: str, **kwargs):
        if self.runtime is not None:
            kwargs = {**self.runtime.client_config(), **kwargs}
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

    def record(self, **results) -> dict:
        """Show a lab's key results; the main job also gathers them into its summary (`config.results`)."""
        return report.record(self.config.results, **results)

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


def resolve_mode(mode: str | None = None, config: Config | None = None) -> str:
    """An explicit "local"/"aws" wins; "auto" (or None) defers to the configuration (WORKSHOP_MODE), then
    picks aws when real AWS credentials are configured and local when they are not."""
    chosen = (mode or "auto").strip().lower()
    if chosen == "auto":
        chosen = (config or Config.from_env()).mode
    if chosen == "auto":
        from helpers import emulator

        if emulator.current() is not None or _points_at_loopback(os.environ.get("AWS_ENDPOINT_URL", "")):
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
                state_dir: str | Path | None = None, profile: str | None = None,
                config: Config | None = None) -> WorkshopSession:
    """Return the workshop session for this kernel (starting local mode if needed).

    `config` defaults to the workshop configuration (`Config.from_env()`); `profile`, `region` and
    `state_dir` override it (a notebook passes its `PROFILE` parameter)."""
    config = (config or Config.from_env()).with_(profile=profile, region=region,
                                                 state_dir=Path(state_dir) if state_dir else None)
    resolved = resolve_mode(mode, config)
    config = config.with_(mode=resolved)
    tags = tagging.workshop_tags(event)
    if resolved == "local":
        from helpers import emulator, reward_function, seed

        rt = emulator.start(config.region or "us-east-1", config.state_dir, seed=seed.seed_local,
                            job_cache_dir=config.job_cache,
                            reward_validator=lambda code: reward_function.validate(code).errors)
        creds = rt.client_config()
        boto = boto3.Session(aws_access_key_id=creds["aws_access_key_id"],
                             aws_secret_access_key=creds["aws_secret_access_key"], region_name=rt.region)
        return WorkshopSession(
            mode="local", region=rt.region, account_id=rt.account_id, boto=boto,
            bucket=seed.default_bucket(rt.region, rt.account_id),
            role_arn=seed.role_arn(rt.account_id), tags=tags, config=config, runtime=rt,
        )
    boto = boto3.Session(region_name=config.region) if config.region else boto3.Session()
    region = boto.region_name or "us-east-1"
    ident = boto.client("sts").get_caller_identity()
    account = ident["Account"]
    role = config.execution_role or _studio_role(boto) or ident["Arn"]
    return WorkshopSession(
        mode="aws", region=region, account_id=account, boto=boto,
        bucket=config.bucket or f"sagemaker-{region}-{account}",
        role_arn=role, tags=tags, config=config,
    )


def _studio_role(boto: boto3.Session) -> str | None:
    """The SageMaker execution role when running inside Studio, else None."""
    try:
        from sagemaker.core.helper.session_helper import get_execution_role  # type: ignore

        return get_execution_role(sagemaker_session=None)
    except Exception:  # noqa: BLE001 - outside SageMaker there is no execution role to find
        return None
