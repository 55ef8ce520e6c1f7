"""The workshop's configuration: one object, read from the environment in one place.

Why one object: the main job runs each notebook in a separate kernel, and the
only channel into a kernel is its environment, so the job sets `WORKSHOP_*`
variables and the notebook's session turns them into a `Config` once
(`Config.from_env`). Everything below the notebook takes the values it needs
from that object (`session.config`), explicitly: the profile, where key
results are recorded, where trained models and training jobs are cached.
No module reads these variables itself.

| Variable | Field | Default |
|---|---|---|
| `WORKSHOP_MODE` | `mode` | `auto` (aws when AWS credentials exist, else local) |
| `WORKSHOP_PROFILE` | `profile` | `full` (`quick`: the small runs CI uses) |
| `WORKSHOP_RESULTS` | `results` | none (results are shown, not recorded) |
| `WORKSHOP_MODEL_CACHE` | `model_cache` | `~/.cache/ml-events-workshop/models` |
| `WORKSHOP_JOB_CACHE` | `job_cache` | `<model_cache>/training-jobs`; `off` disables it |
| `WORKSHOP_STATE_DIR` | `state_dir` | a temporary folder per local runtime |
| `WORKSHOP_REGION` | `region` | `us-east-1` locally, the SDK's region on AWS |
| `WORKSHOP_EXECUTION_ROLE`, `WORKSHOP_BUCKET` | `execution_role`, `bucket` | Studio's role, `sagemaker-<region>-<account>` |
| `WORKSHOP_CHECKOV` | `checkov` | the repository's `.venv-checkov/bin/checkov` |
| `WORKSHOP_PROGRESS` | `progress` | none (long steps show their bar in the notebook only; the main job sets a file it follows) |
"""
from __future__ import annotations

ENV_PREFIX = "WORKSHOP_"  # every variable the workshop reads starts so (child processes drop them)

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping

PROFILES = ("quick", "full")
CHECKOV_VARIABLE = "WORKSHOP_CHECKOV"
DEFAULT_MODEL_CACHE = Path.home() / ".cache" / "ml-events-workshop" / "models"


@dataclass(frozen=True)
class Config:
    mode: str = "auto"
    profile: str = "full"
    results: Path | None = None
    model_cache: Path = DEFAULT_MODEL_CACHE
    job_cache: Path | None = DEFAULT_MODEL_CACHE / "training-jobs"
    state_dir: Path | None = None
    region: str | None = None
    execution_role: str | None = None
    bucket: str | None = None
    checkov: Path | None = None
    progress: Path | None = None

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise ValueError(f"profile must be one of {PROFILES}, got {self.profile!r}")

    @property
    def quick(self) -> bool:
        """The quick profile: small runs (CI, rehearsals)."""
        return self.profile == "quick"

    def with_(self, **changes) -> "Config":
        """A copy with some fields changed; None and "auto" leave a field as it is."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None and v != "auto"})

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Config":
        """The one place the WORKSHOP_* variables are read."""
        env = os.environ if environ is None else environ

        def path(name: str) -> Path | None:
            value = env.get(name)
            return Path(value) if value else None

        model_cache = path("WORKSHOP_MODEL_CACHE") or DEFAULT_MODEL_CACHE
        jobs = env.get("WORKSHOP_JOB_CACHE", "")
        job_cache = None if jobs.lower() == "off" else (Path(jobs) if jobs and jobs != "on" else
                                                        model_cache / "training-jobs")
        return cls(
            mode=(env.get("WORKSHOP_MODE") or "auto").strip().lower(),
            profile=(env.get("WORKSHOP_PROFILE") or "full").strip().lower(),
            results=path("WORKSHOP_RESULTS"), model_cache=model_cache, job_cache=job_cache,
            state_dir=path("WORKSHOP_STATE_DIR"), region=env.get("WORKSHOP_REGION") or None,
            execution_role=env.get("WORKSHOP_EXECUTION_ROLE") or None, bucket=env.get("WORKSHOP_BUCKET") or None,
            checkov=path(CHECKOV_VARIABLE), progress=path("WORKSHOP_PROGRESS"),
        )

    def to_env(self) -> dict[str, str]:
        """The variables that give a notebook kernel this configuration (what the main job sets)."""
        out = {"WORKSHOP_MODE": self.mode, "WORKSHOP_PROFILE": self.profile,
               "WORKSHOP_MODEL_CACHE": str(self.model_cache),
               "WORKSHOP_JOB_CACHE": str(self.job_cache) if self.job_cache else "off"}
        for name, value in (("WORKSHOP_RESULTS", self.results), ("WORKSHOP_STATE_DIR", self.state_dir),
                            ("WORKSHOP_REGION", self.region), ("WORKSHOP_EXECUTION_ROLE", self.execution_role),
                            ("WORKSHOP_BUCKET", self.bucket), (CHECKOV_VARIABLE, self.checkov),
                            ("WORKSHOP_PROGRESS", self.progress)):
            if value:
                out[name] = str(value)
        return out
