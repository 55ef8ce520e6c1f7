"""One configuration object: read from the environment once, passed on explicitly."""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from helpers import report
from helpers.config import DEFAULT_MODEL_CACHE, Config

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_without_any_variable():
    c = Config.from_env({})
    assert (c.mode, c.profile, c.results, c.state_dir) == ("auto", "full", None, None)
    assert c.model_cache == DEFAULT_MODEL_CACHE and c.job_cache == DEFAULT_MODEL_CACHE / "training-jobs"


def test_variables_map_to_fields_and_back(tmp_path):
    env = {"WORKSHOP_MODE": "local", "WORKSHOP_PROFILE": "quick", "WORKSHOP_RESULTS": str(tmp_path / "r.json"),
           "WORKSHOP_MODEL_CACHE": str(tmp_path / "m"), "WORKSHOP_JOB_CACHE": "off",
           "WORKSHOP_STATE_DIR": str(tmp_path / "s"), "WORKSHOP_REGION": "eu-west-1"}
    c = Config.from_env(env)
    assert c.quick and c.results == tmp_path / "r.json" and c.job_cache is None and c.region == "eu-west-1"
    assert Config.from_env(c.to_env()) == c  # what the main job sets is what the kernel reads


def test_a_bad_profile_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="quick"):
        Config.from_env({"WORKSHOP_PROFILE": "fast"})


def test_with_ignores_auto_and_none():
    c = Config(profile="quick")
    assert c.with_(profile="auto", region=None) == c
    assert c.with_(profile="full").profile == "full"


def test_record_writes_only_where_the_configuration_says(tmp_path):
    assert report.record(None, a=1) == {"a": 1}
    target = tmp_path / "results.json"
    report.record(target, a=1.234567, b=[1, 2])
    report.record(target, c="x")
    assert json.loads(target.read_text()) == {"a": 1.2346, "b": [1, 2], "c": "x"}


def test_table_leaves_pandas_global_options_alone():
    import pandas as pd

    before = pd.get_option("display.max_colwidth")
    text = repr(report.table([{"message": "x" * 120}]))
    assert "x" * 120 in text and pd.get_option("display.max_colwidth") == before


def test_no_module_reads_workshop_variables_but_the_config():
    """WORKSHOP_* variables are read in helpers/config.py only (the main job sets them for its kernels)."""
    offenders = []
    for path in [*ROOT.glob("helpers/**/*.py"), *ROOT.glob("labs/**/*.py")]:
        if path.name == "config.py" or "node_modules" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("WORKSHOP_"):
                offenders.append(f"{path.relative_to(ROOT)}: {node.value}")
    assert not offenders, offenders
