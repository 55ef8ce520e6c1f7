"""Prove the preventive controls: concrete requests, the decision each policy layer makes, and why.

A policy that *looks* right is not evidence. This module runs concrete requests ("a training job
without a VPC", "a PutObject without KMS", "a stop on another project's job") through a real IAM
policy evaluator and puts the decisions next to what we expect, in a table a person can read:

* local mode (offline): `@cloud-copilot/iam-simulate`, a Node implementation of AWS's evaluation
  logic (identity, resource, SCP and VPC endpoint policies, every condition operator, policy
  variables). moto cannot do this: it has no policy simulator and enforces only `StringEquals`.
  All cases go to one Node process (`iam_eval/evaluate.mjs`): the 45 standard cases take about
  a third of a second.
* aws mode: IAM's own `SimulateCustomPolicy`, one call per policy layer (the API has no SCP or
  endpoint-policy input), combined the way AWS combines layers; and Access Analyzer's
  `ValidatePolicy` for the documents themselves.

Linting (`lint_with_parliament`) catches a different class of mistakes: unknown actions, actions
that do not match their resources, condition keys an action does not support.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import types
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from labs.secure_environment import policies as pol
from labs.secure_environment.policies import Policy

EVAL_DIR = Path(__file__).with_name("iam_eval")
ALLOWED, EXPLICIT, IMPLICIT, ERROR = "Allowed", "ExplicitlyDenied", "ImplicitlyDenied", "Error"
_SEVERITY = {ALLOWED: 0, IMPLICIT: 1, EXPLICIT: 2, ERROR: 3}
#: Policy layers, in the order the table lists them.
LAYERS = ("identity", "scp", "bucket", "vpc-endpoint", "kms-key")
_LAYER_NAMES = {"identity": "identity", "resource": "resource policy", "scp": "SCP",
                "vpce": "endpoint policy", "pb": "permissions boundary", "rcp": "RCP"}
_BOOLEAN_KEYS = {"aws:SecureTransport", "kms:GrantIsForAWSResource", "aws:MultiFactorAuthPresent",
                 "aws:ViaAWSService", "sagemaker:NetworkIsolation", "sagemaker:InterContainerTrafficEncryption"}
ContextValue = str | Sequence[str]


@dataclass(frozen=True)
class Case:
    """One concrete request, the policies in force for it, and the decision we expect.

    `layer` names the control the case is about; the policies given are the ones that apply to
    such a request in AWS (e.g. an S3 read through the endpoint meets the identity policy, the
    bucket policy and the endpoint policy). `expected_by` is the statement we expect to decide
    (a Sid, or "" for "no statement allows it")."""

    name: str
    layer: str
    action: str
    resource: str
    expected: str
    principal: str
    account_id: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)
    identity: Mapping[str, Policy] = field(default_factory=dict)
    resource_policy: Policy | None = None
    scps: Mapping[str, Policy] = field(default_factory=dict)
    vpc_endpoint: Mapping[str, Policy] = field(default_factory=dict)
    resource_account: str | None = None
    expected_by: str = ""
    why: str = ""


@dataclass(frozen=True)
class Outcome:
    decision: str
    decided_by: tuple[str, ...] = ()
    error: str | None = None


class EvaluatorMissing(RuntimeError):
    """The offline evaluator (Node + the npm package) is not installed."""


# --------------------------------------------------------------------------- offline evaluator

def node_command() -> list[str]:
    """The command that runs the offline evaluator; raises with the fix when it cannot run."""
    node = shutil.which("node")
    if node is None:
        raise EvaluatorMissing("Node.js is not installed: the offline policy evaluator needs `node` (v18+).")
    if not (EVAL_DIR / "node_modules" / "@cloud-copilot" / "iam-simulate").is_dir():
        raise EvaluatorMissing(
            f"The offline policy evaluator is not installed: run `npm ci --prefix {EVAL_DIR}` "
            "(`make env` does it).")
    return [node, str(EVAL_DIR / "evaluate.mjs")]


def _context_value(value: ContextValue) -> str | list[str]:
    return value if isinstance(value, str) else list(value)


def to_simulation(case: Case) -> dict[str, Any]:
    """The iam-simulate input for a case. SCPs are evaluated next to AWS's default
    `FullAWSAccess`, as they are in an account (a deny-only SCP alone would deny everything)."""
    sim: dict[str, Any] = {
        "request": {
            "principal": case.principal,
            "action": case.action,
            "resource": {"resource": case.resource, "accountId": case.resource_account or case.account_id},
            "contextVariables": {k: _context_value(v) for k, v in case.context.items()},
        },
        "identityPolicies": [{"name": n, "policy": p} for n, p in case.identity.items()],
        "serviceControlPolicies": [],
        "resourceControlPolicies": [],
    }
    if case.scps:
        sim["serviceControlPolicies"] = [{
            "orgIdentifier": case.account_id,
            "policies": [{"name": "FullAWSAccess", "policy": pol.full_aws_access_scp()},
                         *({"name": n, "policy": p} for n, p in case.scps.items())],
        }]
    if case.resource_policy is not None:
        sim["resourcePolicy"] = case.resource_policy
    if case.vpc_endpoint:
        sim["vpcEndpointPolicies"] = [{"name": n, "policy": p} for n, p in case.vpc_endpoint.items()]
    return sim


_RESOURCE_POLICY_NAMES = {"kms-key": "key policy", "bucket": "bucket policy"}


def _reason(item: Mapping[str, Any], allowed: bool, case_layer: str) -> str:
    kind = item.get("policyType", "?")
    layer = _RESOURCE_POLICY_NAMES.get(case_layer, "resource policy") if kind == "resource" else _LAYER_NAMES.get(kind, kind)
    if not allowed and item.get("denialType") == "Implicit":
        return f"{layer}: no statement allows"
    sid = item.get("statementId") or f"statement {item.get('statementIndex')}"
    return f"{layer}: {sid}"


_ERRORS = {"invalid.action": "unknown action", "no.resource.types": "the resource is not a type this action takes",
           "policy.errors": "a policy is invalid"}


def _error_text(error: Mapping[str, Any], case: Case) -> str:
    """The evaluator's error codes, in words, with the request they are about."""
    message = str(error.get("message", "error"))
    details = {k: v for k, v in error.items() if k != "message" and v}
    text = f"{_ERRORS.get(message, message)}: {case.action} on {case.resource}"
    return f"{text} {json.dumps(details)[:400]}" if details else text


def _outcome(raw: Mapping[str, Any], case: Case) -> Outcome:
    case_layer = case.layer
    if "error" in raw:
        return Outcome(ERROR, error=_error_text(raw["error"], case))
    decision = raw["decision"]
    if decision == ALLOWED:
        reasons = tuple(_reason(g, True, case_layer) for g in raw.get("grants", []))
    else:
        reasons = tuple(_reason(d, False, case_layer) for d in raw.get("denials", []))
        explicit = tuple(r for r in reasons if not r.endswith("no statement allows"))
        reasons = explicit or reasons
    return Outcome(decision, tuple(dict.fromkeys(reasons)))


def evaluate_offline(cases: Sequence[Case], *, timeout: float = 120) -> list[Outcome]:
    """Evaluate every case in one Node process."""
    if not cases:
        return []
    payload = json.dumps({"simulations": [to_simulation(c) for c in cases]})
    done = subprocess.run(node_command(), input=payload, capture_output=True, text=True, timeout=timeout,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the offline policy evaluator failed: {done.stderr.strip()[-2000:]}")
    results = json.loads(done.stdout)["results"]
    return [_outcome(r, c) for r, c in zip(results, cases, strict=True)]


def evaluator_version() -> str:
    """The pinned iam-simulate version (from the lock file, so it is known without running Node)."""
    lock = json.loads((EVAL_DIR / "package-lock.json").read_text())
    return lock["packages"]["node_modules/@cloud-copilot/iam-simulate"]["version"]


# --------------------------------------------------------------------------- aws: IAM's simulator

def _one_statement_per_line(policy: Policy) -> str:
    """Serialise with statement N on line N+1: IAM reports matched statements by position only,
    and this turns a position back into the statement's Sid."""
    lines = [json.dumps(s, separators=(",", ":")) for s in policy["Statement"]]
    version = json.dumps(policy.get("Version", pol.VERSION))
    return '{"Version":' + version + ',"Statement":[\n' + ",\n".join(lines) + "\n]}"


def _strip_principal(policy: Policy) -> Policy:
    """An endpoint policy as an identity policy: its principal restrictions are conditions
    (aws:PrincipalAccount / aws:PrincipalArn), so only the `Principal: *` element goes."""
    return {**policy, "Statement": [{k: v for k, v in s.items() if k != "Principal"}
                                    for s in policy["Statement"]]}


def _name_caller(policy: Policy, principal: str, caller: str) -> Policy:
    """`SimulateCustomPolicy` accepts only an IAM *user* as the caller of a resource policy: name
    the stand-in user wherever the policy names the case's principal."""
    return json.loads(json.dumps(policy).replace(json.dumps(principal)[1:-1], caller))


def _context_entries(context: Mapping[str, ContextValue]) -> list[dict[str, Any]]:
    entries = []
    for key, value in context.items():
        if not isinstance(value, str):
            entries.append({"ContextKeyName": key, "ContextKeyValues": list(value), "ContextKeyType": "stringList"})
        elif key in _BOOLEAN_KEYS:
            entries.append({"ContextKeyName": key, "ContextKeyValues": [value], "ContextKeyType": "boolean"})
        else:
            entries.append({"ContextKeyName": key, "ContextKeyValues": [value], "ContextKeyType": "string"})
    return entries


_IAM_DECISIONS = {"allowed": ALLOWED, "explicitDeny": EXPLICIT, "implicitDeny": IMPLICIT}


def _simulate(iam: Any, case: Case, layer: str, documents: Sequence[Policy],
              resource_policy: Policy | None = None) -> Outcome:
    texts = [_one_statement_per_line(d) for d in documents]
    kwargs: dict[str, Any] = {
        "PolicyInputList": texts, "ActionNames": [case.action], "ResourceArns": [case.resource],
        "ContextEntries": _context_entries(case.context),
    }
    if resource_policy is not None:
        caller = f"arn:aws:iam::{case.account_id}:user/workshop-policy-simulation"
        kwargs["ResourcePolicy"] = _one_statement_per_line(_name_caller(resource_policy, case.principal, caller))
        kwargs["CallerArn"] = caller
        kwargs["ResourceOwner"] = f"arn:aws:iam::{case.resource_account or case.account_id}:root"
    result = iam.simulate_custom_policy(**kwargs)["EvaluationResults"][0]
    decision = _IAM_DECISIONS.get(result["EvalDecision"], ERROR)
    by = []
    for match in result.get("MatchedStatements", []):
        source = match.get("SourcePolicyId", "")
        line = match.get("StartPosition", {}).get("Line", 0)
        doc: Policy | None = None
        if source.startswith("PolicyInputList."):
            doc = documents[int(source.rsplit(".", 1)[1]) - 1]
        elif source == "ResourcePolicy" or match.get("SourcePolicyType") == "resource":
            doc = resource_policy
        name = layer if doc is not resource_policy else _RESOURCE_POLICY_NAMES.get(case.layer, "resource policy")
        if doc is not None and 2 <= line <= len(doc["Statement"]) + 1:
            by.append(f"{name}: {doc['Statement'][line - 2].get('Sid', f'statement {line - 1}')}")
    if decision == IMPLICIT and not by:
        by.append(f"{layer}: no statement allows")
    return Outcome(decision, tuple(by))


def _worst(outcomes: Iterable[Outcome]) -> Outcome:
    """AWS allows a request only when every layer does; an explicit deny anywhere wins."""
    outcomes = list(outcomes)
    worst = max(outcomes, key=lambda o: _SEVERITY[o.decision])
    if worst.decision == ALLOWED:
        return Outcome(ALLOWED, tuple(r for o in outcomes for r in o.decided_by))
    return Outcome(worst.decision, tuple(r for o in outcomes if o.decision == worst.decision
                                         for r in o.decided_by))


def evaluate_aws(cases: Sequence[Case], iam: Any) -> list[Outcome]:
    """Evaluate with IAM's `SimulateCustomPolicy`: identity (+ resource policy), then the SCPs
    (with FullAWSAccess) and the endpoint policies as separate gates, combined like AWS does.

    Two limits of the API: the caller of a resource policy must be an IAM user (a stand-in
    user is named instead of the role), and only this account's view is simulated."""
    out = []
    for case in cases:
        gates = [_simulate(iam, case, "identity", list(case.identity.values()), case.resource_policy)]
        if case.scps:
            gates.append(_simulate(iam, case, "SCP", [pol.full_aws_access_scp(), *case.scps.values()]))
        if case.vpc_endpoint:
            gates.append(_simulate(iam, case, "endpoint policy",
                                   [_strip_principal(p) for p in case.vpc_endpoint.values()]))
        out.append(_worst(gates))
    return out


_ANALYZER_TYPES = {"identity": ("IDENTITY_POLICY", None), "scp": ("SERVICE_CONTROL_POLICY", None),
                   "bucket": ("RESOURCE_POLICY", "AWS::S3::Bucket"), "vpc-endpoint": ("RESOURCE_POLICY", None),
                   "kms-key": ("RESOURCE_POLICY", None)}


def validate_with_access_analyzer(documents: Mapping[str, tuple[str, Policy]], client: Any) -> list[dict[str, Any]]:
    """Access Analyzer's policy checks (aws mode): `{name: (layer, policy)}` -> findings.

    Findings of type ERROR or SECURITY_WARNING are the ones to fix before attaching."""
    findings = []
    for name, (layer, policy) in documents.items():
        policy_type, resource_type = _ANALYZER_TYPES[layer]
        kwargs: dict[str, Any] = {"policyDocument": json.dumps(policy), "policyType": policy_type}
        if resource_type:
            kwargs["validatePolicyResourceType"] = resource_type
        while True:
            page = client.validate_policy(**kwargs)
            for f in page.get("findings", []):
                findings.append({"policy": name, "type": f["findingType"], "issue": f["issueCode"],
                                 "detail": f["findingDetails"]})
            if not page.get("nextToken"):
                break
            kwargs["nextToken"] = page["nextToken"]
    return findings


# --------------------------------------------------------------------------- linting

def _parliament():
    """Import parliament, which still reads its data files through `pkg_resources` (gone from
    setuptools >= 81, absent from this venv). A stand-in is present only during the import, so
    nothing else in the kernel mistakes it for setuptools."""
    if "parliament" in sys.modules:
        return sys.modules["parliament"]
    import importlib.resources

    had = sys.modules.get("pkg_resources")
    if had is None:
        try:
            import pkg_resources  # noqa: F401
        except ImportError:
            shim = types.ModuleType("pkg_resources")
            shim.resource_filename = lambda package, name: str(importlib.resources.files(package) / name)  # type: ignore[attr-defined]
            sys.modules["pkg_resources"] = shim
    try:
        import parliament
    finally:
        if had is None and getattr(sys.modules.get("pkg_resources"), "__file__", None) is None:
            sys.modules.pop("pkg_resources", None)
    return parliament


_LINT_ERROR_GROUPS = {"ERROR", "INVALID", "MALFORMED", "BAD_PATTERN"}


def lint_with_parliament(policy: Policy) -> list[dict[str, Any]]:
    """parliament's findings for an identity policy or SCP, errors first.

    A finding is an `error` when parliament files it as invalid or malformed (unknown action or
    condition key, resource that matches no action, bad operator) or rates it HIGH/CRITICAL;
    "not ideal" remarks such as Resource "*" on Describe*/List* (which take no ARN) are not."""
    parliament = _parliament()
    analysed = parliament.analyze_policy_string(json.dumps(policy))
    found = []
    for finding in analysed.findings:
        parliament.enhance_finding(finding)
        severity = str(finding.severity or "INFO").upper()
        group = parliament.config.get(finding.issue, {}).get("group", "")
        found.append({"issue": finding.issue, "severity": severity, "group": group, "title": finding.title,
                      "detail": finding.detail,
                      "error": group in _LINT_ERROR_GROUPS or severity in ("HIGH", "CRITICAL")})
    return sorted(found, key=lambda f: not f["error"])


def lint_errors(policy: Policy) -> list[dict[str, Any]]:
    """Only the findings that must be fixed."""
    return [f for f in lint_with_parliament(policy) if f["error"]]


# --------------------------------------------------------------------------- the standard cases

def without_statements(policy: Policy, *sids: str) -> Policy:
    """A copy of the policy without the named statements (to show a test would catch their loss)."""
    return {**policy, "Statement": [s for s in policy["Statement"] if s.get("Sid") not in sids]}


def _role(account_id: str, name: str) -> str:
    return f"arn:aws:iam::{account_id}:role/{name}"


def _principal(arn: str, account_id: str, project: str | None) -> dict[str, ContextValue]:
    ctx: dict[str, ContextValue] = {"aws:PrincipalArn": arn, "aws:PrincipalAccount": account_id}
    if project:
        ctx[f"aws:PrincipalTag/{pol.TAG_KEY}"] = project
    return ctx


def project_documents(project: str, account_id: str, region: str, vpce_id: str, bucket: str,
                      kms_key_arn: str, *, subnet_ids: Sequence[str] = (),
                      security_group_ids: Sequence[str] = ()) -> dict[str, tuple[str, Policy]]:
    """Every preventive-control document of a project: `{name: (layer, policy)}`."""
    ds = _role(account_id, f"{project}-data-scientist")
    execution = _role(account_id, f"{project}-sagemaker-execution")
    admin = _role(account_id, f"{project}-key-admin")
    return {
        "data-scientist": ("identity", pol.data_scientist_policy(
            project, account_id, region, execution_role_arns=[execution], buckets=[bucket],
            subnet_ids=subnet_ids, security_group_ids=security_group_ids)),
        "sagemaker-guardrails": ("scp", pol.guardrail_scp(
            exempt_principal_arns=[_role(account_id, "workshop-break-glass")])),
        "bucket": ("bucket", pol.bucket_policy(bucket, vpce_id, kms_key_arn)),
        "s3-endpoint": ("vpc-endpoint", pol.vpc_endpoint_policy([bucket], account_id, ecr_region=region)),
        "interface-endpoints": ("vpc-endpoint", pol.interface_endpoint_policy(account_id)),
        "kms-key": ("kms-key", pol.kms_key_policy(account_id, [admin], [ds, execution])),
    }


def standard_cases(project: str, account_id: str, region: str, vpce_id: str, bucket: str, kms_key_arn: str,
                   *, subnet_ids: Sequence[str] = ("subnet-0a1b2c3d4e5f60001",),
                   security_group_ids: Sequence[str] = ("sg-0a1b2c3d4e5f60001",)) -> list[Case]:
    """The requests that show each control working: one that should pass, and the ones it exists to stop."""
    docs = project_documents(project, account_id, region, vpce_id, bucket, kms_key_arn,
                             subnet_ids=subnet_ids, security_group_ids=security_group_ids)
    identity = {"data-scientist": docs["data-scientist"][1]}
    ds = _role(account_id, f"{project}-data-scientist")
    me = _principal(ds, account_id, project)
    sm = f"arn:aws:sagemaker:{region}:{account_id}"
    job = f"{sm}:training-job/{project}-train-1"
    allowed_type = next(t for t in pol.ALLOWED_INSTANCE_TYPES if not pol.has_local_storage(t))
    secure = {"sagemaker:VpcSubnets": list(subnet_ids), "sagemaker:VpcSecurityGroupIds": list(security_group_ids),
              "sagemaker:VolumeKmsKeyArn": kms_key_arn, "sagemaker:InstanceTypes": [allowed_type]}
    tagged = {f"aws:RequestTag/{pol.TAG_KEY}": project, "aws:TagKeys": [pol.TAG_KEY]}
    good_job = {**me, **tagged, **secure}

    def drop(ctx: Mapping[str, ContextValue], *keys: str) -> dict[str, ContextValue]:
        return {k: v for k, v in ctx.items() if k not in keys}

    def ident(name: str, action: str, resource: str, context: Mapping[str, ContextValue], expected: str,
              by: str, why: str) -> Case:
        return Case(name, "identity", action, resource, expected, ds, account_id, dict(context), identity,
                    expected_by=by, why=why)

    other = "other-project"
    nb = f"{sm}:notebook-instance/{project}-nb"
    nb_ctx = {**me, **tagged, **secure, "sagemaker:InstanceTypes": ["ml.t3.medium"],
              "sagemaker:DirectInternetAccess": "Disabled", "sagemaker:RootAccess": "Disabled"}
    local_type = next((t for t in pol.ALLOWED_INSTANCE_TYPES if pol.has_local_storage(t)), None)
    cases = [
        ident("training job: in the VPC, KMS volume, allowed type, project tag", "sagemaker:CreateTrainingJob", job,
              good_job, ALLOWED, "CreateProjectTaggedResources", "the compliant request still works"),
        ident("training job without VPC config", "sagemaker:CreateTrainingJob", job,
              drop(good_job, "sagemaker:VpcSubnets", "sagemaker:VpcSecurityGroupIds"), EXPLICIT,
              "DenyWithoutVpcSubnets", "a job outside the VPC could reach the internet and copy data out"),
        ident("training job with subnets but no security group", "sagemaker:CreateTrainingJob", job,
              drop(good_job, "sagemaker:VpcSecurityGroupIds"), EXPLICIT, "DenyWithoutVpcSecurityGroups",
              "half a VPC config is not a VPC config"),
        ident("training job in a subnet outside the project VPC", "sagemaker:CreateTrainingJob", job,
              {**good_job, "sagemaker:VpcSubnets": ["subnet-0ffffffffffff0001"]}, EXPLICIT, "DenyOtherSubnets",
              "any VPC is not the project's VPC"),
        ident("training job without a volume KMS key", "sagemaker:CreateTrainingJob", job,
              drop(good_job, "sagemaker:VolumeKmsKeyArn"), EXPLICIT, "DenyWithoutVolumeKmsKey",
              "the training volume would be encrypted with a key the project does not control"),
        ident("training job on ml.p4d.24xlarge", "sagemaker:CreateTrainingJob", job,
              {**good_job, "sagemaker:InstanceTypes": ["ml.p4d.24xlarge"]}, EXPLICIT,
              "DenyInstanceTypesOutsideAllowList", "about $38 an hour by mistake"),
        ident("training job tagged for another project", "sagemaker:CreateTrainingJob", job,
              {**good_job, f"aws:RequestTag/{pol.TAG_KEY}": other}, EXPLICIT, "DenyCreateForOtherProject",
              "costs and access land on someone else's project"),
        ident("training job without a project tag", "sagemaker:CreateTrainingJob", job,
              drop(good_job, f"aws:RequestTag/{pol.TAG_KEY}", "aws:TagKeys"), EXPLICIT, "DenyCreateForOtherProject",
              "an untagged resource belongs to nobody: no cost owner, no cleanup"),
        ident("stop own project's training job", "sagemaker:StopTrainingJob", job,
              {**me, f"aws:ResourceTag/{pol.TAG_KEY}": project}, ALLOWED, "ManageOwnProjectResources",
              "people can manage their own work"),
        ident("stop another project's training job", "sagemaker:StopTrainingJob", f"{sm}:training-job/{other}-job",
              {**me, f"aws:ResourceTag/{pol.TAG_KEY}": other}, EXPLICIT, "DenyChangesToOtherProjects",
              "one project cannot disrupt another"),
        ident("delete another project's endpoint", "sagemaker:DeleteEndpoint", f"{sm}:endpoint/{other}-ep",
              {**me, f"aws:ResourceTag/{pol.TAG_KEY}": other}, EXPLICIT, "DenyChangesToOtherProjects",
              "one project cannot take down another's model"),
        ident("delete own project's endpoint", "sagemaker:DeleteEndpoint", f"{sm}:endpoint/{project}-ep",
              {**me, f"aws:ResourceTag/{pol.TAG_KEY}": project}, ALLOWED, "ManageOwnProjectResources",
              "cleanup works"),
        ident("remove the project tag", "sagemaker:DeleteTags", job,
              {**me, f"aws:ResourceTag/{pol.TAG_KEY}": project, "aws:TagKeys": [pol.TAG_KEY]}, EXPLICIT,
              "DenyRemovingProjectTag", "an untagged resource escapes ABAC, cost reports and cleanup"),
        ident("notebook: VPC, KMS, no internet, no root", "sagemaker:CreateNotebookInstance", nb, nb_ctx, ALLOWED,
              "CreateProjectTaggedResources", "the compliant notebook still works"),
        ident("notebook with direct internet access", "sagemaker:CreateNotebookInstance", nb,
              {**nb_ctx, "sagemaker:DirectInternetAccess": "Enabled"}, EXPLICIT, "DenyNotebookDirectInternet",
              "a notebook with its own internet route bypasses the VPC endpoints"),
        ident("notebook with root access", "sagemaker:CreateNotebookInstance", nb,
              {**nb_ctx, "sagemaker:RootAccess": "Enabled"}, EXPLICIT, "DenyNotebookRootAccess",
              "root can change the OS and its controls"),
        ident("endpoint config without a volume KMS key", "sagemaker:CreateEndpointConfig",
              f"{sm}:endpoint-config/{project}-cfg",
              {**me, **tagged, "sagemaker:InstanceTypes": [allowed_type]}, EXPLICIT, "DenyWithoutVolumeKmsKey",
              "the hosting volume would hold the model unencrypted by the project key"),
        ident("pass the execution role to SageMaker", "iam:PassRole",
              _role(account_id, f"{project}-sagemaker-execution"),
              {**me, "iam:PassedToService": "sagemaker.amazonaws.com"}, ALLOWED, "PassProjectExecutionRole",
              "jobs run as the project's role"),
        ident("pass the execution role to EC2", "iam:PassRole", _role(account_id, f"{project}-sagemaker-execution"),
              {**me, "iam:PassedToService": "ec2.amazonaws.com"}, IMPLICIT, "",
              "the role cannot be borrowed for an instance outside SageMaker"),
    ]
    if local_type:
        cases.insert(6, ident(f"training job on {local_type} (local NVMe) without a KMS key",
                              "sagemaker:CreateTrainingJob", job,
                              {**drop(good_job, "sagemaker:VolumeKmsKeyArn"), "sagemaker:InstanceTypes": [local_type]},
                              ALLOWED, "CreateProjectTaggedResources",
                              "instance storage is hardware-encrypted and SageMaker rejects a KMS key for it"))

    # Bucket: identity policy + bucket policy (+ the endpoint policy when the request goes through it).
    ds_bucket_identity = identity
    bucket_policy = docs["bucket"][1]
    s3_endpoint = {"s3-endpoint": docs["s3-endpoint"][1]}
    obj = f"arn:aws:s3:::{bucket}/data/train.csv"
    tls = {**me, "aws:SecureTransport": "true"}
    via = {**tls, "aws:SourceVpce": vpce_id}
    kms_put = {"s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": kms_key_arn}

    def s3(name: str, action: str, context: Mapping[str, ContextValue], expected: str, by: str, why: str,
           *, through_endpoint: bool = True) -> Case:
        return Case(name, "bucket", action, obj, expected, ds, account_id, dict(context), ds_bucket_identity,
                    resource_policy=bucket_policy, vpc_endpoint=s3_endpoint if through_endpoint else {},
                    expected_by=by, why=why)

    cases += [
        s3("read an object through the project VPC endpoint", "s3:GetObject", via, ALLOWED, "ProjectBuckets",
           "the project's own path works"),
        s3("read an object from outside the VPC", "s3:GetObject", tls, EXPLICIT, "DenyOutsideProjectVpcEndpoint",
           "leaked credentials are useless from a laptop or another network", through_endpoint=False),
        s3("read an object through another VPC's endpoint", "s3:GetObject", {**tls, "aws:SourceVpce": "vpce-0fffffffffffffff0"},
           EXPLICIT, "DenyOutsideProjectVpcEndpoint", "another VPC is not the project's", through_endpoint=False),
        s3("read an object over plain HTTP", "s3:GetObject", {**via, "aws:SecureTransport": "false"}, EXPLICIT,
           "DenyInsecureTransport", "data in transit is always encrypted"),
        s3("write an object with SSE-KMS and the project key", "s3:PutObject", {**via, **kms_put}, ALLOWED,
           "ProjectBuckets", "the project's own writes work"),
        s3("write an object without encryption headers", "s3:PutObject", via, EXPLICIT, "DenyPutsNotEncryptedWithKms",
           "every object is encrypted with a key the project controls"),
        s3("write an object with SSE-S3 (AES256)", "s3:PutObject", {**via, "s3:x-amz-server-side-encryption": "AES256"},
           EXPLICIT, "DenyPutsNotEncryptedWithKms", "S3-managed keys cannot be revoked or audited per project"),
        s3("write an object with SSE-KMS under another key", "s3:PutObject",
           {**via, **kms_put, "s3:x-amz-server-side-encryption-aws-kms-key-id":
            kms_key_arn.rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000"},
           EXPLICIT, "DenyPutsWithOtherKmsKey", "data under someone else's key is out of the project's control"),
    ]

    # VPC endpoint: even a role with broad S3 rights reaches only the project's buckets through it.
    broad = {"broad-s3": {"Version": pol.VERSION, "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}}

    def vpce(name: str, principal: str, account: str, resource: str, action: str, expected: str, by: str, why: str,
             *, resource_account: str | None = None) -> Case:
        return Case(name, "vpc-endpoint", action, resource, expected, principal, account,
                    {**_principal(principal, account, None), "aws:SecureTransport": "true", "aws:SourceVpce": vpce_id},
                    broad, vpc_endpoint=s3_endpoint, resource_account=resource_account, expected_by=by, why=why)

    outsider_account = "444455556666"
    cases += [
        vpce("read the project bucket through the endpoint", ds, account_id, obj, "s3:GetObject", ALLOWED,
             "ProjectBucketsOnly", "the project's own path works"),
        vpce("copy data to a personal bucket through the endpoint", ds, account_id, "arn:aws:s3:::my-personal-bucket/x.csv",
             "s3:PutObject", IMPLICIT, "", "the classic exfiltration path is closed from inside the VPC"),
        vpce("another account's credentials through the endpoint", _role(outsider_account, "intruder"), outsider_account,
             f"arn:aws:s3:::intruder-bucket-{outsider_account}/x.csv", "s3:PutObject", IMPLICIT, "",
             "credentials brought from elsewhere cannot use the endpoint", resource_account=outsider_account),
        vpce("training container pulls image layers from ECR's bucket", _role(account_id, f"{project}-sagemaker-execution"),
             account_id, f"arn:aws:s3:::prod-{region}-starport-layer-bucket/layer.tar", "s3:GetObject", ALLOWED,
             "EcrImageLayers", "jobs in the VPC can still start their containers"),
    ]

    # KMS key policy: separation of duties between key administrators and key users.
    key_policy = docs["kms-key"][1]
    key_admin = _role(account_id, f"{project}-key-admin")
    admin_role = _role(account_id, "ml-platform-admin")

    def kms(name: str, principal: str, action: str, expected: str, by: str, why: str,
            extra: Mapping[str, ContextValue] | None = None) -> Case:
        return Case(name, "kms-key", action, kms_key_arn, expected, principal, account_id,
                    {**_principal(principal, account_id, None), **(extra or {})}, {}, resource_policy=key_policy,
                    expected_by=by, why=why)

    cases += [
        kms("data scientist decrypts project data", ds, "kms:Decrypt", ALLOWED, "KeyUsers", "users can read their data"),
        kms("key administrator decrypts project data", key_admin, "kms:Decrypt", IMPLICIT, "",
            "whoever manages the key cannot read what it protects"),
        kms("key administrator schedules key deletion", key_admin, "kms:ScheduleKeyDeletion", ALLOWED,
            "KeyAdministrators", "the key can be managed"),
        Case("account admin with kms:* in an identity policy decrypts", "kms-key", "kms:Decrypt", kms_key_arn,
             IMPLICIT, admin_role, account_id, _principal(admin_role, account_id, None),
             {"kms-all": {"Version": pol.VERSION, "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}},
             resource_policy=key_policy, why="the key policy delegates management to IAM, never decryption"),
        kms("key administrator grants themselves the key", key_admin, "kms:CreateGrant", IMPLICIT, "",
            "administering a key is not a way into the data", {"kms:GrantIsForAWSResource": "false"}),
        kms("data scientist schedules key deletion", ds, "kms:ScheduleKeyDeletion", IMPLICIT, "",
            "a user cannot destroy every encrypted object at once"),
        kms("data scientist grants the key to an AWS service", ds, "kms:CreateGrant", ALLOWED,
            "KeyUsersGrantToAwsServices", "SageMaker can attach encrypted volumes",
            {"kms:GrantIsForAWSResource": "true"}),
        kms("data scientist grants the key to a person", ds, "kms:CreateGrant", IMPLICIT, "",
            "users cannot hand the key on", {"kms:GrantIsForAWSResource": "false"}),
    ]

    # SCP: the guardrails hold even for a role with AdministratorAccess.
    admin = _role(account_id, "ml-platform-admin")
    admin_identity = {"AdministratorAccess": {"Version": pol.VERSION,
                                              "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}
    scps = {"sagemaker-guardrails": docs["sagemaker-guardrails"][1]}

    def scp(name: str, principal: str, action: str, resource: str, context: Mapping[str, ContextValue], expected: str,
            by: str, why: str) -> Case:
        return Case(name, "scp", action, resource, expected, principal, account_id,
                    {**_principal(principal, account_id, None), **context}, admin_identity, scps=scps,
                    expected_by=by, why=why)

    untagged_secure = dict(secure)
    cases += [
        scp("admin: compliant training job", admin, "sagemaker:CreateTrainingJob", job, untagged_secure, ALLOWED,
            "", "the guardrail does not get in the way of compliant work"),
        scp("admin: training job without VPC config", admin, "sagemaker:CreateTrainingJob", job,
            drop(untagged_secure, "sagemaker:VpcSubnets", "sagemaker:VpcSecurityGroupIds"), EXPLICIT,
            "DenyWithoutVpcSubnets", "no role in the account can skip the VPC, however privileged"),
        scp("admin: training job on ml.p4d.24xlarge", admin, "sagemaker:CreateTrainingJob", job,
            {**untagged_secure, "sagemaker:InstanceTypes": ["ml.p4d.24xlarge"]}, EXPLICIT,
            "DenyInstanceTypesOutsideAllowList", "the spending guardrail holds for every role"),
        scp("admin: notebook with root access", admin, "sagemaker:CreateNotebookInstance", nb,
            {**untagged_secure, "sagemaker:InstanceTypes": ["ml.t3.medium"], "sagemaker:DirectInternetAccess": "Disabled",
             "sagemaker:RootAccess": "Enabled"}, EXPLICIT, "DenyNotebookRootAccess",
            "the notebook OS policy holds for every role"),
        scp("break-glass role: training job without VPC config", _role(account_id, "workshop-break-glass"),
            "sagemaker:CreateTrainingJob", job,
            drop(untagged_secure, "sagemaker:VpcSubnets", "sagemaker:VpcSecurityGroupIds"), ALLOWED, "",
            "the one documented exception (audit its use)"),
    ]
    return cases


# --------------------------------------------------------------------------- the table

def evaluate(cases: Sequence[Case], mode: str = "local", *, iam: Any = None) -> list[Outcome]:
    """Outcomes for the cases: offline in local mode, IAM's simulator in aws mode."""
    if mode in ("local", "offline"):
        return evaluate_offline(cases)
    if mode == "aws":
        if iam is None:
            import boto3

            iam = boto3.client("iam")
        return evaluate_aws(cases, iam)
    raise ValueError(f"mode must be 'local' or 'aws', got {mode!r}")


def decision_table(cases: Sequence[Case], mode: str = "local", *, iam: Any = None):
    """A pandas DataFrame: case, layer, action, expected, decision, ok, decided by, why."""
    import pandas as pd

    outcomes = evaluate(cases, mode, iam=iam)
    rows = []
    for case, outcome in zip(cases, outcomes, strict=True):
        rows.append({
            "case": case.name, "layer": case.layer, "action": case.action, "expected": case.expected,
            "decision": outcome.decision, "ok": outcome.decision == case.expected,
            "decided by": "; ".join(outcome.decided_by) or (outcome.error or ""), "why it matters": case.why,
        })
    return pd.DataFrame(rows, columns=["case", "layer", "action", "expected", "decision", "ok", "decided by",
                                       "why it matters"])


def mutate(cases: Sequence[Case], layer: str, *sids: str) -> list[Case]:
    """The cases with the named statements removed from the policies of one layer."""
    out = []
    for case in cases:
        if layer == "identity":
            case = replace(case, identity={n: without_statements(p, *sids) for n, p in case.identity.items()})
        elif layer == "scp":
            case = replace(case, scps={n: without_statements(p, *sids) for n, p in case.scps.items()})
        elif layer in ("bucket", "kms-key") and case.resource_policy is not None:
            case = replace(case, resource_policy=without_statements(case.resource_policy, *sids))
        elif layer == "vpc-endpoint":
            case = replace(case, vpc_endpoint={n: without_statements(p, *sids) for n, p in case.vpc_endpoint.items()})
        out.append(case)
    return out
