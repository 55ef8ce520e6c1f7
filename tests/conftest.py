"""Shared fixtures: one embedded AWS runtime per test session.

Tests give their resources unique names instead of resetting the runtime, so
they can share one runtime (start-up is the slow part) without seeing each
other's state.
"""
from __future__ import annotations

import os
import tempfile
import uuid

import pytest

os.environ.setdefault("WORKSHOP_MODE", "local")
# Trained models are cached across runs for people; tests start from nothing.
os.environ["WORKSHOP_MODEL_CACHE"] = tempfile.mkdtemp(prefix="workshop-test-models-")


@pytest.fixture(scope="session")
def session(tmp_path_factory):
    from helpers import get_session

    s = get_session("local", state_dir=tmp_path_factory.mktemp("runtime"))
    yield s
    s.runtime.stop()


@pytest.fixture
def unique():
    """A short unique suffix for resource names."""
    return uuid.uuid4().hex[:8]


