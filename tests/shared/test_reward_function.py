"""The reward-function validator refuses what DeepRacer refuses, with clear words; the sandbox holds its limits."""
from __future__ import annotations

import time

import pytest

from helpers import reward_function as rf

CENTRE = '''
def reward_function(params):
    track_width = params['track_width']
    distance_from_center = params['distance_from_center']
    if distance_from_center <= 0.1 * track_width:
        reward = 1.0
    elif distance_from_center <= 0.25 * track_width:
        reward = 0.5
    elif distance_from_center <= 0.5 * track_width:
        reward = 0.1
    else:
        reward = 1e-3
    print("debug", distance_from_center)
    return float(reward)
'''


def test_a_classic_function_is_valid_and_scored_on_sample_params():
    result = rf.validate(CENTRE)
    assert result.ok and bool(result) and result.errors == []
    assert result.reward == 1.0  # the first sample is on the centre line
    assert len(result.rewards) == len(rf.sample_params())
    assert "debug" in result.output  # what the function printed comes back
    assert result.message().startswith("valid")


def test_libraries_deepracer_allows_can_be_imported():
    source = ("import math, random\nimport numpy as np\nfrom scipy import spatial\nfrom shapely.geometry import Point\n"
              "def reward_function(params):\n    return np.float32(Point(params['x'], params['y']).x * 0 + 0.5)\n")
    result = rf.validate(source)
    assert result.ok, result.errors
    assert result.reward == 0.5


@pytest.mark.parametrize("source, expected", [
    ("", "empty"),
    ("def reward_function(params)\n    return 1.0", "line 1: syntax error"),
    ("def reward(params):\n    return 1.0", "no function `reward_function(params)`"),
    ("def reward_function(params, other):\n    return 1.0", "exactly one argument"),
    ("def reward_function():\n    return 1.0", "exactly one argument"),
    ("import os\ndef reward_function(params):\n    return 1.0", "line 1: import of 'os' is not allowed"),
    ("from subprocess import run\ndef reward_function(params):\n    return 1.0", "import from 'subprocess'"),
    ("def reward_function(params):\n    open('/etc/passwd')\n    return 1.0", "line 2: 'open' is not allowed"),
    ("def reward_function(params):\n    return eval('1')", "'eval' is not allowed"),
    ("def reward_function(params):\n    return ().__class__.__bases__", "access to '__class__'"),
    ("x" * (rf.MAX_SOURCE_CHARS + 1), "the limit is"),
])
def test_static_refusals_name_the_problem(source, expected):
    result = rf.validate(source)
    assert not result.ok
    assert any(expected in e for e in result.errors), result.errors


@pytest.mark.parametrize("body, expected", [
    ("pass", "returned NoneType"),
    ("return 'fast'", "returned str"),
    ("return True", "returned bool"),
    ("return float('nan')", "finite number"),
    ("return float('inf')", "finite number"),
    ("return params['speeed']", "KeyError: 'speeed' (line 2)"),
    ("return 1 / 0", "ZeroDivisionError"),
])
def test_runtime_refusals_on_sample_params(body, expected):
    result = rf.validate(f"def reward_function(params):\n    {body}\n")
    assert not result.ok
    assert result.errors[0].startswith("sample params 1:")
    assert expected in result.errors[0], result.errors


def test_an_endless_loop_is_stopped_in_time():
    start = time.monotonic()
    result = rf.validate("def reward_function(params):\n    while True:\n        pass\n", timeout_s=1.0)
    assert time.monotonic() - start < 4
    assert not result.ok and "did not finish within 1 s" in result.errors[0]


def test_code_that_hangs_while_loading_is_stopped_too():
    result = rf.validate("while True:\n    pass\ndef reward_function(params):\n    return 1.0\n", timeout_s=1.0)
    assert not result.ok and result.errors[0].startswith("loading:") and "within 1 s" in result.errors[0]


def test_a_memory_hog_hits_the_memory_limit():
    result = rf.validate("import numpy as np\ndef reward_function(params):\n    a = np.ones((30000, 30000))\n"
                         "    return 1.0\n", memory_mb=512)
    assert not result.ok and "512 MB memory limit" in result.errors[0]


def test_no_file_can_be_written():
    result = rf.validate("import numpy as np\ndef reward_function(params):\n"
                         "    np.savetxt('/tmp/reward-function-test.txt', np.ones(1000))\n    return 1.0\n")
    assert not result.ok and "File too large" in result.errors[0]


def test_the_child_refuses_imports_the_parser_did_not_see():
    """The static checks are a first filter; the child's own __import__ is the second (here called directly)."""
    source = ("import math\ndef reward_function(params):\n    math.floor(1)\n    return 1.0\n"
              "reward_function.loader = None\n")
    assert rf.validate(source).ok  # a nested, allowed import works at run time
    with rf.RewardSandbox("import math\ndef reward_function(params):\n    return 1.0\n") as box:
        assert box({}) == 1.0
    hidden = "def reward_function(params):\n    return 1.0\nimport importlib\n"
    assert "import of 'importlib' is not allowed" in rf.validate(hidden).errors[0]
    with pytest.raises(rf.RewardFunctionError, match="import of 'os' is not allowed"):
        rf.RewardSandbox("import os\ndef reward_function(params):\n    return 1.0\n")


def test_the_sandbox_batches_and_merges_static_params():
    samples = rf.sample_params()
    static = {k: samples[0][k] for k in rf.STATIC_KEYS}
    dynamic = [{k: v for k, v in s.items() if k not in static} for s in samples]
    source = "def reward_function(params):\n    return float(len(params['waypoints']) + params['progress'])\n"
    with rf.RewardSandbox(source, static=static) as box:
        got = box.rewards(dynamic)
        assert got == [len(static["waypoints"]) + s["progress"] for s in samples]
        assert box.alive and box.calls == len(samples)
    assert not box.alive


def test_a_failing_call_raises_a_clear_error_and_stops_the_child():
    with rf.RewardSandbox("def reward_function(params):\n    return params['steps'] / (params['steps'] - 5)\n",
                          call_timeout_s=1.0) as box:
        assert box({"steps": 10}) == 2.0
        with pytest.raises(rf.RewardFunctionError, match="ZeroDivisionError") as info:
            box({"steps": 5})
        assert info.value.kind == "exception" and not box.alive
        with pytest.raises(rf.RewardFunctionError, match="has stopped"):
            box({"steps": 10})


def test_a_call_that_hangs_is_killed():
    with rf.RewardSandbox("def reward_function(params):\n    n = 0\n    while params['steps']:\n        n += 1\n"
                          "    return 1.0\n", call_timeout_s=0.5) as box:
        assert box({"steps": 0}) == 1.0
        start = time.monotonic()
        with pytest.raises(rf.RewardFunctionError, match="did not finish") as info:
            box({"steps": 1})
        assert info.value.kind == "timeout" and time.monotonic() - start < 3 and not box.alive


def test_sample_params_follow_the_contract():
    for params in rf.sample_params():
        assert set(params) == set(rf.PARAM_TYPES)
        for key, kind in rf.PARAM_TYPES.items():
            assert type(params[key]) is kind, (key, type(params[key]))
