"""checkov on the preventive-control documents.

checkov reads IAM policies where CloudFormation puts them, not loose JSON. `policy_template` wraps
each document of `labs.secure_environment.evaluate.project_documents` into the resource that carries it in a
real deployment, and `checkov_policies` runs checkov on that template:

* identity policy -> `AWS::IAM::ManagedPolicy` (checks such as CKV_AWS_107..111: credentials
  exposure, data exfiltration, permissions management, privilege escalation, write access
  without constraints);
* SCP -> `AWS::Organizations::Policy`;
* bucket policy -> `AWS::S3::BucketPolicy` (CKV_AWS_70: no "allow all actions to everyone");
* key policy -> `AWS::KMS::Key` (CKV_AWS_33: no wildcard principal; CKV_AWS_7: rotation, on as
  `labs.secure_environment.encryption` creates the key);
* endpoint policies -> `AWS::EC2::VPCEndpoint` (Gateway for the S3 one, Interface otherwise).

checkov 3.3.30 has CloudFormation checks for the identity policy and the key only (its
bucket-policy checks, for one, exist for Terraform alone): the other documents are wrapped all
the same, so a later checkov that adds such checks applies them.

Checks that flag something the documents do on purpose are skipped in the template's resource
Metadata (`checkov: skip:`), each with its reason, from `POLICY_SKIPS`: checkov reports them as
skipped, with the reason, so a skip cannot pass silently and a new finding still fails.
"""
from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from helpers import templates
from labs.secure_environment.policies import Policy

#: Layer of a document (as `evaluate.project_documents` names it) -> the resource that carries it.
RESOURCE_TYPES = {
    "identity": "AWS::IAM::ManagedPolicy",
    "scp": "AWS::Organizations::Policy",
    "bucket": "AWS::S3::BucketPolicy",
    "kms-key": "AWS::KMS::Key",
    "vpc-endpoint": "AWS::EC2::VPCEndpoint",
}

Skips = Mapping[str, Mapping[str, str]]

#: Findings that are intentional, per layer: check id -> why. Empty while checkov finds nothing
#: to excuse (checkov 3.3.30 passes every document); add an entry only with a reason a reviewer
#: can check against the policy.
POLICY_SKIPS: dict[str, dict[str, str]] = {}


def _logical_id(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-") if part)


def _list(value: Any) -> list[str]:
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def _resource(name: str, layer: str, policy: Policy, region: str, skips: Skips) -> dict[str, Any]:
    kind = RESOURCE_TYPES[layer]
    if layer == "identity":
        props: dict[str, Any] = {"ManagedPolicyName": name, "PolicyDocument": policy}
    elif layer == "scp":
        props = {"Name": name, "Type": "SERVICE_CONTROL_POLICY", "Content": policy}
    elif layer == "bucket":
        arns = [r for s in policy["Statement"] for r in _list(s.get("Resource"))]
        bucket = next((a for a in arns if "/" not in a), arns[0]).removeprefix("arn:aws:s3:::").split("/")[0]
        props = {"Bucket": bucket, "PolicyDocument": policy}
    elif layer == "kms-key":
        props = {"Description": name, "EnableKeyRotation": True, "KeyPolicy": policy}
    else:
        s3 = all(a.startswith("s3:") for st in policy["Statement"] for a in _list(st.get("Action")))
        props = {"VpcId": "vpc-0a1b2c3d4e5f60001", "PolicyDocument": policy,
                 "ServiceName": f"com.amazonaws.{region}.{'s3' if s3 else 'sagemaker.api'}",
                 "VpcEndpointType": "Gateway" if s3 else "Interface"}
    res: dict[str, Any] = {"Type": kind, "Properties": props}
    mine = skips.get(layer, {})
    if mine:
        res["Metadata"] = {"checkov": {"skip": [{"id": i, "comment": why} for i, why in sorted(mine.items())]}}
    return res



def policy_template(documents: Mapping[str, tuple[str, Policy]], region: str = "us-east-1", *,
                    skips: Skips = POLICY_SKIPS) -> dict[str, Any]:
    """A minimal CloudFormation template carrying each `{name: (layer, policy)}` document
    (layers as in `evaluate.project_documents`; `skips`: `{layer: {check id: reason}}`)."""
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "The project's preventive-control documents, wrapped for checkov",
        "Resources": {_logical_id(name): _resource(name, layer, policy, region, skips)
                      for name, (layer, policy) in documents.items()},
    }


def checkov_policies(documents: Mapping[str, tuple[str, Policy]], region: str = "us-east-1", *,
                     skips: Skips = POLICY_SKIPS) -> templates.CheckovReport:
    """checkov's report on the documents: failed checks, and the skips (with their reasons)."""
    with tempfile.TemporaryDirectory(prefix="checkov-policies-") as tmp:
        path = Path(tmp) / "policies.json"
        path.write_text(json.dumps(policy_template(documents, region, skips=skips), indent=2))
        return templates.checkov_report(path)
