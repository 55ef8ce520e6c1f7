"""Lab 07's hand-off: the solution's own TestRewardFunction, signed as a racer (local stand-in and aws path)."""
from __future__ import annotations

import types

import pytest

from helpers import deepracer_on_aws as dra
from labs.practice_track import examples, handoff

GOOD = "def reward_function(params):\n    return float(params['speed'])\n"
BAD_IMPORT = "import os\n\ndef reward_function(params):\n    return 1.0\n"
SYNTAX = "def reward_function(params):\n    return (1.0\n"


@pytest.fixture(scope="module")
def racer(session):
    event = "handoff-test"
    deployment, api = handoff.connect(session, event)
    yield deployment, api
    session.client("cloudformation").delete_stack(StackName=deployment.stack_name)


def test_connect_launches_alone_and_signs_in_as_a_racer(session, racer):
    deployment, _ = racer
    assert deployment.namespace == dra.namespace_for("handoff-test") == "handofftest"
    groups = session.client("cognito-idp").admin_list_groups_for_user(
        UserPoolId=deployment.user_pool_id, Username=handoff.PRACTICE_RACER)["Groups"]
    assert [g["GroupName"] for g in groups] == ["dr-racers"]
    again, _ = handoff.connect(session, "handoff-test")  # a re-run finds the same deployment
    assert again.stack_name == deployment.stack_name


def test_a_good_function_passes(racer):
    check = handoff.check_on_solution(racer[1], GOOD)
    assert check.ok and check.errors == [] and "accepts it for reInvent2019_track" in check.message()


def test_the_lab_examples_pass_on_the_solution(racer):
    sources = [v for k, v in vars(examples).items() if k.isupper() and isinstance(v, str) and "def reward_function" in v]
    assert sources, "examples.py should hold reward functions"
    for source in sources:
        assert handoff.check_on_solution(racer[1], source).ok


def test_a_refused_module_and_a_syntax_error_say_what_and_where(racer):
    imported = handoff.check_on_solution(racer[1], BAD_IMPORT)
    assert not imported.ok and imported.errors[0]["type"] == "IMPORT_ERROR"
    assert "IMPORT_ERROR" in imported.message()
    broken = handoff.check_on_solution(racer[1], SYNTAX)
    assert broken.errors[0]["type"] == "SYNTAX_ERROR" and broken.errors[0]["lineNumber"] >= 2
    assert "line " in broken.message()


def test_an_unknown_track_is_refused_before_the_call(racer):
    with pytest.raises(ValueError, match="not one of DeepRacer on AWS's tracks"):
        handoff.check_on_solution(racer[1], GOOD, "practice_loop")


def test_message_of_a_recorded_response():
    # The shape of the model's RewardFunctionError list, as the real API answers it.
    recorded = {"errors": [{"type": "TEST_FAILURE", "message": "reward_function must return a float",
                            "lineNumber": 3, "line": "    return 'fast'"}]}
    text = handoff.SolutionCheck("reInvent2019_wide", recorded["errors"]).message()
    assert text.splitlines() == ["DeepRacer on AWS refuses it for reInvent2019_wide:",
                                 "  TEST_FAILURE: reward_function must return a float (line 3: return 'fast')"]


def _aws_session():
    return types.SimpleNamespace(local=False, region="eu-west-1")


def test_aws_mode_without_a_deployment_says_so(monkeypatch):
    monkeypatch.setattr(dra, "find_deployment", lambda session, ns: None)
    with pytest.raises(LookupError, match="Namespace=summitcup in eu-west-1"):
        handoff.connect(_aws_session(), "summit-cup", racer="jane@example.com", password="x")


def test_aws_mode_needs_the_racer_and_a_password_kept_out_of_the_notebook(monkeypatch):
    dep = dra.Deployment("deepracer-on-aws-summitcup", "summitcup", "eu-west-1", "https://api.example/prod/",
                         "eu-west-1_abc", "client", "eu-west-1:pool", "https://d111.cloudfront.net", "CREATE_COMPLETE")
    monkeypatch.setattr(dra, "find_deployment", lambda session, ns: dep)
    monkeypatch.delenv(handoff.PASSWORD_ENV, raising=False)
    with pytest.raises(ValueError, match="DEEPRACER_PASSWORD.*d111.cloudfront.net"):
        handoff.connect(_aws_session(), "summit-cup", racer="jane@example.com")
    signed = []
    monkeypatch.setattr(dra, "sign_in_as", lambda session, d, user, pw: signed.append((d, user, pw)) or "api")
    monkeypatch.setenv(handoff.PASSWORD_ENV, "s3cret")
    assert handoff.connect(_aws_session(), "summit-cup", racer="jane@example.com") == (dep, "api")
    assert signed == [(dep, "jane@example.com", "s3cret")]


def test_local_user_is_refused_in_aws_mode():
    with pytest.raises(RuntimeError, match="local mode"):
        dra.local_user(_aws_session(), None, "someone")
