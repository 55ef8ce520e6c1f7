"""The preventive-control documents are well formed, within IAM's size limits, and lint clean."""
from __future__ import annotations

import json

import pytest

from labs.secure_environment import evaluate as ev
from labs.secure_environment import policies as pol

ACCOUNT = "111122223333"
REGION = "us-east-1"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
DOCS = ev.project_documents("churn", ACCOUNT, REGION, "vpce-0a1b2c3d4e5f60001", f"churn-data-{ACCOUNT}", KEY,
                            subnet_ids=["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
                            security_group_ids=["sg-0a1b2c3d4e5f60001"])
# IAM's limits (characters without whitespace): managed policy, SCP, bucket policy, endpoint policy, key policy.
LIMITS = {"identity": 6144, "scp": 5120, "bucket": 20480, "vpc-endpoint": 20480, "kms-key": 32768}


@pytest.mark.parametrize("name", sorted(DOCS))
def test_documents_are_well_formed(name):
    layer, doc = DOCS[name]
    assert doc["Version"] == "2012-10-17"
    sids = [s["Sid"] for s in doc["Statement"]]
    assert len(sids) == len(set(sids)), "Sids must be unique: the decision table names statements by Sid"
    for s in doc["Statement"]:
        assert s["Effect"] in ("Allow", "Deny")
        assert s["Action"] and s["Resource"]
        # Identity policies and SCPs have no Principal; resource-side policies must have one.
        assert ("Principal" in s) == (layer not in ("identity", "scp")), s["Sid"]
        for operator, keys in s.get("Condition", {}).items():
            assert keys, f"{s['Sid']}: empty {operator}"
    assert json.loads(json.dumps(doc)) == doc
    assert pol.policy_size(doc) < LIMITS[layer]


@pytest.mark.parametrize("name", [n for n, (layer, _) in DOCS.items() if layer in ("identity", "scp")])
def test_parliament_finds_nothing_to_fix(name):
    """Remarks are expected (Resource "*" on Describe*/List*, which take no resource ARN); an
    unknown action or condition key, a resource no action matches, a bad operator are bugs."""
    assert ev.lint_errors(DOCS[name][1]) == []


def test_parliament_does_catch_mistakes():
    """The lint test above can fail: a misspelt action, a condition key the action does not
    have, and a resource of the wrong type are all errors."""
    def doc(**statement):
        return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", **statement}]}

    assert ev.lint_errors(doc(Action="sagemaker:CreateTrainingJobs"))[0]["issue"] == "UNKNOWN_ACTION"
    # (parliament does not look inside `Null`: the decision table catches a typo there instead.)
    typo = doc(Action="sagemaker:CreateTrainingJob", Condition={"StringEquals": {"sagemaker:VpcSubnet": "x"}})
    assert ev.lint_errors(typo)[0]["issue"] == "UNKNOWN_CONDITION_FOR_ACTION"
    wrong = doc(Action="sagemaker:CreateTrainingJob", Resource="arn:aws:s3:::bucket")
    assert ev.lint_errors(wrong)[0]["issue"] == "RESOURCE_MISMATCH"


def test_parliament_import_leaves_no_fake_pkg_resources():
    import sys

    ev.lint_with_parliament(DOCS["data-scientist"][1])
    module = sys.modules.get("pkg_resources")
    assert module is None or getattr(module, "__file__", None) is not None


def test_guardrails_are_the_same_in_the_identity_policy_and_the_scp():
    identity = {s["Sid"]: s for s in pol.data_scientist_policy("p", ACCOUNT, REGION)["Statement"]}
    for statement in pol.guardrail_scp()["Statement"]:
        assert identity[statement["Sid"]] == statement


def test_every_guardrail_is_its_own_statement():
    """Keys in one condition block are ANDed: "no subnets AND no security groups" would let a
    request with only one of them through."""
    for s in pol.guardrail_statements():
        if "Null" in s["Condition"] and s["Sid"].startswith("DenyWithoutVpc"):
            assert len(s["Condition"]["Null"]) == 1


@pytest.mark.parametrize("instance_type,local", [
    ("ml.t3.medium", False), ("ml.m5.large", False), ("ml.m5.xlarge", False), ("ml.c5.2xlarge", False),
    ("ml.inf2.xlarge", False), ("ml.g4dn.xlarge", True), ("ml.m5d.large", True), ("ml.p3dn.24xlarge", True),
    ("ml.p4d.24xlarge", True), ("ml.g5.2xlarge", True), ("ml.trn1.2xlarge", True),
])
def test_local_storage_instance_types(instance_type, local):
    assert pol.has_local_storage(instance_type) is local


def test_kms_deny_spares_local_storage_types_only():
    no_key = next(s for s in pol.guardrail_statements() if s["Sid"] == "DenyWithoutVolumeKmsKey")
    spared = no_key["Condition"]["ForAllValues:StringNotEquals"]["sagemaker:InstanceTypes"]
    assert spared == [t for t in pol.ALLOWED_INSTANCE_TYPES if pol.has_local_storage(t)] == ["ml.g4dn.xlarge"]
    ebs_only = pol.guardrail_statements(("ml.t3.medium", "ml.m5.large"))
    no_key = next(s for s in ebs_only if s["Sid"] == "DenyWithoutVolumeKmsKey")
    assert "ForAllValues:StringNotEquals" not in no_key["Condition"]


def test_allow_list_and_exemptions_reach_the_documents():
    scp = pol.guardrail_scp(("ml.m5.large",), exempt_principal_arns=["arn:aws:iam::*:role/break-glass"])
    for s in scp["Statement"]:
        assert s["Condition"]["ArnNotLike"] == {"aws:PrincipalArn": ["arn:aws:iam::*:role/break-glass"]}
    types = next(s for s in scp["Statement"] if s["Sid"] == "DenyInstanceTypesOutsideAllowList")
    assert types["Condition"]["ForAnyValue:StringNotLike"]["sagemaker:InstanceTypes"] == ["ml.m5.large"]


def test_endpoint_policies_name_only_the_project():
    s3 = pol.vpc_endpoint_policy(["a", "b"], ACCOUNT, ["arn:aws:iam::111122223333:role/churn-*"])
    (only,) = s3["Statement"]
    assert only["Resource"] == ["arn:aws:s3:::a", "arn:aws:s3:::b", "arn:aws:s3:::a/*", "arn:aws:s3:::b/*"]
    assert only["Condition"] == {"StringEquals": {"aws:PrincipalAccount": ACCOUNT},
                                 "ArnLike": {"aws:PrincipalArn": ["arn:aws:iam::111122223333:role/churn-*"]}}
    assert "*" not in json.dumps(only["Action"])
    interface = pol.interface_endpoint_policy(ACCOUNT)
    assert interface["Statement"][0]["Condition"] == {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}


def test_key_administrators_cannot_use_or_grant_the_key():
    doc = pol.kms_key_policy(ACCOUNT, ["arn:aws:iam::111122223333:role/admin"], ["arn:aws:iam::111122223333:role/ds"])
    admin_actions = {a for s in doc["Statement"] if s["Sid"] in ("KeyAdministrators", "AccountManagesKeyThroughIam")
                     for a in s["Action"]}
    for forbidden in ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:Create*", "kms:*"):
        assert forbidden not in admin_actions


def test_offline_evaluator_is_pinned_exactly():
    package = json.loads((ev.EVAL_DIR / "package.json").read_text())
    pinned = package["dependencies"]["@cloud-copilot/iam-simulate"]
    assert pinned[0].isdigit(), "pin an exact version, not a range"
    assert ev.evaluator_version() == pinned
