"""The aws-mode path of the policy evaluator (IAM SimulateCustomPolicy, Access Analyzer
ValidatePolicy), against botocore's Stubber: the requests are well formed for the real API,
and its answers become the same decision table as offline."""
from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import ANY, Stubber

from labs.secure_environment import evaluate as ev

ACCOUNT = "111122223333"
REGION = "us-east-1"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
CASES = {c.name: c for c in ev.standard_cases("churn", ACCOUNT, REGION, "vpce-0a1b2c3d4e5f60001",
                                              f"churn-data-{ACCOUNT}", KEY)}


def _client(service: str):
    return boto3.client(service, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")


def _result(action: str, resource: str, decision: str, *matches: tuple[str, int]) -> dict:
    """A SimulateCustomPolicy answer; matches are (SourcePolicyId, line of the statement)."""
    return {"EvaluationResults": [{
        "EvalActionName": action, "EvalResourceName": resource, "EvalDecision": decision,
        "MatchedStatements": [{"SourcePolicyId": source, "SourcePolicyType": "user",
                               "StartPosition": {"Line": line, "Column": 1}, "EndPosition": {"Line": line, "Column": 99}}
                              for source, line in matches]}]}


def _line_of(policy: dict, sid: str) -> int:
    """Statement i is on line i + 2 of what the evaluator sends (line 1 holds Version)."""
    return [s.get("Sid") for s in policy["Statement"]].index(sid) + 2


def test_an_s3_read_through_the_endpoint_is_two_gates():
    case = CASES["read an object through the project VPC endpoint"]
    iam = _client("iam")
    identity = case.identity["data-scientist"]
    endpoint = case.vpc_endpoint["s3-endpoint"]
    with Stubber(iam) as stub:
        stub.add_response("simulate_custom_policy",
                          _result(case.action, case.resource, "allowed",
                                  ("PolicyInputList.1", _line_of(identity, "ProjectBuckets"))),
                          {"PolicyInputList": [ANY], "ActionNames": ["s3:GetObject"], "ResourceArns": [case.resource],
                           "ContextEntries": ANY, "ResourcePolicy": ANY, "CallerArn": ANY, "ResourceOwner": ANY})
        stub.add_response("simulate_custom_policy",
                          _result(case.action, case.resource, "allowed",
                                  ("PolicyInputList.1", _line_of(endpoint, "ProjectBucketsOnly"))),
                          {"PolicyInputList": [ANY], "ActionNames": ["s3:GetObject"], "ResourceArns": [case.resource],
                           "ContextEntries": ANY})
        [outcome] = ev.evaluate_aws([case], iam)
        stub.assert_no_pending_responses()
    assert outcome == ev.Outcome("Allowed", ("identity: ProjectBuckets", "endpoint policy: ProjectBucketsOnly"))


def test_context_entries_carry_iam_types():
    entries = {e["ContextKeyName"]: e for e in ev._context_entries(
        {"aws:SecureTransport": "true", "sagemaker:InstanceTypes": ["ml.m5.large"], "aws:SourceVpce": "vpce-1"})}
    assert entries["aws:SecureTransport"]["ContextKeyType"] == "boolean"
    assert entries["sagemaker:InstanceTypes"] == {"ContextKeyName": "sagemaker:InstanceTypes",
                                                  "ContextKeyValues": ["ml.m5.large"], "ContextKeyType": "stringList"}
    assert entries["aws:SourceVpce"]["ContextKeyType"] == "string"


def test_policies_are_sent_one_statement_per_line():
    doc = CASES["training job without VPC config"].identity["data-scientist"]
    text = ev._one_statement_per_line(doc)
    assert json.loads(text) == doc
    lines = text.splitlines()
    assert json.loads(lines[_line_of(doc, "DenyWithoutVpcSubnets") - 1].rstrip(","))["Sid"] == "DenyWithoutVpcSubnets"


def test_an_scp_deny_wins_over_an_identity_allow():
    case = CASES["admin: training job without VPC config"]
    scp = case.scps["sagemaker-guardrails"]
    iam = _client("iam")
    with Stubber(iam) as stub:
        stub.add_response("simulate_custom_policy", _result(case.action, case.resource, "allowed",
                                                            ("PolicyInputList.1", 2)))
        # The SCP gate: FullAWSAccess is PolicyInputList.1, the guardrail PolicyInputList.2.
        stub.add_response("simulate_custom_policy",
                          _result(case.action, case.resource, "explicitDeny",
                                  ("PolicyInputList.2", _line_of(scp, "DenyWithoutVpcSubnets"))),
                          {"PolicyInputList": [ANY, ANY], "ActionNames": [case.action], "ResourceArns": [case.resource],
                           "ContextEntries": ANY})
        table = ev.decision_table([case], "aws", iam=iam)
    assert table.loc[0, "decision"] == "ExplicitlyDenied" and table.loc[0, "ok"]
    assert table.loc[0, "decided by"] == "SCP: DenyWithoutVpcSubnets"


def test_a_key_policy_names_a_stand_in_user_because_the_api_takes_no_role():
    case = CASES["data scientist decrypts project data"]
    iam = _client("iam")
    sent: dict = {}
    with Stubber(iam) as stub:
        stub.add_response("simulate_custom_policy", _result(case.action, case.resource, "allowed",
                                                            ("ResourcePolicy", 4)))
        iam.meta.events.register("provide-client-params.iam.SimulateCustomPolicy", lambda params, **_: sent.update(params))
        [outcome] = ev.evaluate_aws([case], iam)
    caller = f"arn:aws:iam::{ACCOUNT}:user/workshop-policy-simulation"
    assert sent["CallerArn"] == caller and sent["PolicyInputList"] == []
    assert caller in sent["ResourcePolicy"] and case.principal not in sent["ResourcePolicy"]
    assert sent["ResourceOwner"] == f"arn:aws:iam::{ACCOUNT}:root"
    key_policy = case.resource_policy
    assert outcome.decided_by == (f"key policy: {key_policy['Statement'][2]['Sid']}",)


def test_access_analyzer_findings_are_collected_across_pages():
    client = _client("accessanalyzer")
    docs = {"bucket": ("bucket", {"Version": "2012-10-17", "Statement": []}),
            "ds": ("identity", {"Version": "2012-10-17", "Statement": []})}
    finding = {"findingDetails": "Fix the condition.", "findingType": "ERROR", "issueCode": "MISSING_VERSION",
               "learnMoreLink": "https://docs.aws.amazon.com/", "locations": []}
    with Stubber(client) as stub:
        stub.add_response("validate_policy", {"findings": [finding], "nextToken": "t"},
                          {"policyDocument": ANY, "policyType": "RESOURCE_POLICY",
                           "validatePolicyResourceType": "AWS::S3::Bucket"})
        stub.add_response("validate_policy", {"findings": []},
                          {"policyDocument": ANY, "policyType": "RESOURCE_POLICY",
                           "validatePolicyResourceType": "AWS::S3::Bucket", "nextToken": "t"})
        stub.add_response("validate_policy", {"findings": []}, {"policyDocument": ANY, "policyType": "IDENTITY_POLICY"})
        findings = ev.validate_with_access_analyzer(docs, client)
        stub.assert_no_pending_responses()
    assert findings == [{"policy": "bucket", "type": "ERROR", "issue": "MISSING_VERSION", "detail": "Fix the condition."}]


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError):
        ev.evaluate([], "cloud")
