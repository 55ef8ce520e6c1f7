"""The mode is chosen once, predictably."""
from __future__ import annotations

import pytest

from helpers.session import resolve_mode


def test_explicit_mode_wins(monkeypatch):
    monkeypatch.setenv("WORKSHOP_MODE", "aws")
    assert resolve_mode("local") == "local"


def test_auto_defers_to_the_environment_variable(monkeypatch):
    monkeypatch.setenv("WORKSHOP_MODE", "local")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALLOOKING")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    assert resolve_mode("auto") == "local"


def test_auto_without_credentials_is_local(monkeypatch, tmp_path):
    monkeypatch.delenv("WORKSHOP_MODE", raising=False)
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setattr("helpers.emulator.current", lambda: None)
    assert resolve_mode(None) == "local"


def test_credentials_of_a_local_runtime_do_not_mean_aws(monkeypatch):
    monkeypatch.delenv("WORKSHOP_MODE", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5555")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAWORKSHOPLOCAL000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    assert resolve_mode("auto") == "local"


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="mode must be one of"):
        resolve_mode("cloud")
