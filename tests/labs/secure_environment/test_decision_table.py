"""The preventive controls decide as intended, proven by a real IAM policy evaluator (offline).

Every standard case must get its expected decision from the expected statement; and the proof
must be able to fail: with a control removed or mistyped, the request it exists to stop goes
through (or a legitimate one is blocked), and the table says so.
"""
from __future__ import annotations

import dataclasses

import pytest

from labs.secure_environment import evaluate as ev
from labs.secure_environment import policies as pol

ACCOUNT = "111122223333"
REGION = "us-east-1"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
VPCE = "vpce-0a1b2c3d4e5f60001"


def _cases(project: str = "churn", region: str = REGION, **kwargs) -> list[ev.Case]:
    key = KEY.replace(REGION, region)
    return ev.standard_cases(project, ACCOUNT, region, VPCE, f"{project}-data-{ACCOUNT}", key, **kwargs)


def _one(cases: list[ev.Case], name: str) -> ev.Case:
    (case,) = [c for c in cases if c.name == name]
    return case


@pytest.fixture(scope="module")
def table():
    return ev.decision_table(_cases())


def test_every_standard_case_gets_its_expected_decision(table):
    wrong = table[~table["ok"]]
    assert wrong.empty, "\n" + wrong[["case", "expected", "decision", "decided by"]].to_string()
    assert set(table["layer"]) == set(ev.LAYERS)
    assert {"Allowed", "ExplicitlyDenied", "ImplicitlyDenied"} <= set(table["decision"])


def test_each_decision_comes_from_the_expected_statement(table):
    cases = {c.name: c for c in _cases()}
    for row in table.itertuples():
        expected_by = cases[row.case].expected_by
        if expected_by:
            assert expected_by in row._7, f"{row.case}: decided by {row._7!r}, expected {expected_by}"


@pytest.mark.parametrize("project,region,subnets", [
    ("fraud-detection", "eu-west-1", ("subnet-0aaaaaaaaaaaa0001", "subnet-0aaaaaaaaaaaa0002")),
    ("nlp", "ap-southeast-2", ("subnet-0bbbbbbbbbbbb0001",)),
])
def test_the_controls_hold_for_any_project(project, region, subnets):
    table = ev.decision_table(_cases(project, region, subnet_ids=subnets))
    assert table["ok"].all(), table[~table["ok"]][["case", "decision", "decided by"]].to_string()


def test_removing_the_vpc_deny_lets_a_training_job_without_vpc_through():
    """The mutation check: the table is a test that can fail."""
    name = "training job without VPC config"
    [before] = ev.evaluate_offline([_one(_cases(), name)])
    mutated = ev.mutate([_one(_cases(), name)], "identity", "DenyWithoutVpcSubnets", "DenyWithoutVpcSecurityGroups")
    [after] = ev.evaluate_offline(mutated)
    assert before.decision == "ExplicitlyDenied"
    assert after.decision == "Allowed"
    table = ev.decision_table(mutated)
    assert not table["ok"].any()


@pytest.mark.parametrize("layer,sids,name,now", [
    ("bucket", ("DenyOutsideProjectVpcEndpoint",), "read an object from outside the VPC", "Allowed"),
    ("bucket", ("DenyPutsNotEncryptedWithKms", "DenyPutsWithOtherKmsKey"), "write an object without encryption headers",
     "Allowed"),
    ("scp", ("DenyInstanceTypesOutsideAllowList",), "admin: training job on ml.p4d.24xlarge", "Allowed"),
    ("identity", ("DenyWithoutVolumeKmsKey",), "training job without a volume KMS key", "Allowed"),
    ("vpc-endpoint", ("ProjectBucketsOnly",), "read the project bucket through the endpoint", "ImplicitlyDenied"),
    # Defence in depth: without the explicit deny, the tag-scoped allow still does not cover another project.
    ("identity", ("DenyChangesToOtherProjects",), "stop another project's training job", "ImplicitlyDenied"),
])
def test_each_control_is_load_bearing(layer, sids, name, now):
    [after] = ev.evaluate_offline(ev.mutate([_one(_cases(), name)], layer, *sids))
    assert after.decision == now


def test_a_mistyped_condition_key_is_caught_by_the_table():
    """parliament does not check keys inside `Null`; a typo there makes the deny match every
    request, and the compliant case shows it."""
    case = _one(_cases(), "training job: in the VPC, KMS volume, allowed type, project tag")
    doc = case.identity["data-scientist"]
    typo = {**doc, "Statement": [
        {**s, "Condition": {"Null": {"sagemaker:VpcSubnet": "true"}}} if s["Sid"] == "DenyWithoutVpcSubnets" else s
        for s in doc["Statement"]]}
    assert ev.lint_errors(typo) == []
    [outcome] = ev.evaluate_offline([dataclasses.replace(case, identity={"data-scientist": typo})])
    assert outcome.decision == "ExplicitlyDenied"


def test_an_invalid_request_is_an_error_not_a_denial():
    case = dataclasses.replace(_one(_cases(), "stop own project's training job"), action="sagemaker:StopTrainingJobs")
    table = ev.decision_table([case])
    assert table.loc[0, "decision"] == "Error" and not table.loc[0, "ok"]
    assert "StopTrainingJobs" in table.loc[0, "decided by"]


def test_the_instance_type_allow_list_is_the_one_enforced():
    """A type added to the allow-list becomes usable; nothing else changes."""
    case = _one(_cases(), "training job on ml.p4d.24xlarge")
    wider = pol.ALLOWED_INSTANCE_TYPES + ("ml.p4d.24xlarge",)
    doc = pol.data_scientist_policy("churn", ACCOUNT, REGION, allowed_instance_types=wider,
                                    execution_role_arns=[f"arn:aws:iam::{ACCOUNT}:role/churn-sagemaker-execution"],
                                    subnet_ids=["subnet-0a1b2c3d4e5f60001"], security_group_ids=["sg-0a1b2c3d4e5f60001"])
    [outcome] = ev.evaluate_offline([dataclasses.replace(case, identity={"data-scientist": doc})])
    # ml.p4d has local NVMe storage, so the job with a KMS key is allowed only once it is on the list.
    assert outcome.decision == "Allowed"
