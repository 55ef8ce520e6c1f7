"""One call that provisions a secure ML project: `provision(session, project, environment)`.

It builds (or finds, on a second run) every piece of lab 06 and returns a `SecureProject`
with their ids:

1. the private network (`network`): VPC without internet gateway, two private subnets,
   security groups, VPC endpoints with endpoint policies;
2. the per-project data-scientist role with the preventive controls attached: the identity
   policy and the guardrail document of `policies`;
3. encryption (`encryption`): a customer-managed KMS key, the versioned SSE-KMS project bucket
   and its VPC-endpoint-only bucket policy;
4. the notebook lifecycle configuration (`lifecycle`);
5. the corrective control (`corrective`): EventBridge rule -> Lambda function -> DynamoDB;
6. the project's experiment (`lineage`).

Every resource carries the workshop tags (`workshop`, `event`) plus `project` and
`environment`. Names start with `<project>-<environment>-`.

Local mode differs in one place, and says so (`SecureProject.notes`): the emulator enforces
bucket-policy denies but ignores their conditions, so the VPC-endpoint-only policy would
lock the notebook out of its own bucket. There it goes on a dedicated bucket
(`<project>-<environment>-vpceonly-<account>`) that nothing else uses, and the evaluator's
decision table (`labs.secure_environment.evaluate`) is the proof of what it allows.
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from botocore.exceptions import ClientError

from helpers import tagging

PROJECT_TAG = "project"
ENVIRONMENT_TAG = "environment"
ENVIRONMENTS = ("dev", "test", "prod")
_PROJECT = re.compile(r"^[a-z][a-z0-9-]{1,18}[a-z0-9]$")
SAGEMAKER_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


@dataclass(frozen=True)
class Scope:
    """A project in one environment: its name prefix and the tags everything gets."""

    project: str
    environment: str
    tags: dict[str, str]

    @property
    def prefix(self) -> str:
        return f"{self.project}-{self.environment}"

    def name(self, suffix: str) -> str:
        return f"{self.prefix}-{suffix}"

    @property
    def tag_list(self) -> list[dict[str, str]]:
        return tagging.as_list(self.tags)


def make_scope(session, project: str, environment: str = "dev") -> Scope:
    if not _PROJECT.match(project or ""):
        raise ValueError(f"project name {project!r} must be 3-20 characters of lowercase letters, digits and '-', "
                         "starting with a letter (it becomes part of bucket, role and function names)")
    if environment not in ENVIRONMENTS:
        raise ValueError(f"environment must be one of {ENVIRONMENTS}, got {environment!r}")
    return Scope(project, environment, {**session.tags, PROJECT_TAG: project, ENVIRONMENT_TAG: environment})


@dataclass
class SecureProject:
    project: str
    environment: str
    tags: dict[str, str]
    region: str
    account_id: str
    vpc_id: str
    subnet_ids: list[str]
    workload_security_group: str
    endpoint_security_group: str
    endpoints: dict[str, str]
    kms_key_id: str
    kms_key_arn: str
    kms_alias: str
    bucket: str
    policy_bucket: str
    data_scientist_role_arn: str
    policy_arns: dict[str, str]
    lifecycle_config: str
    corrective_function: str
    corrective_rule: str
    remediation_table: str
    experiment: str
    notes: list[str] = field(default_factory=list)

    @property
    def vpc_config(self) -> dict[str, list[str]]:
        return {"Subnets": list(self.subnet_ids), "SecurityGroupIds": [self.workload_security_group]}

    @property
    def s3_endpoint(self) -> str:
        return self.endpoints["s3"]

    @property
    def scope(self) -> Scope:
        return Scope(self.project, self.environment, dict(self.tags))

    def ids(self) -> dict:
        """Everything that identifies a resource (what a second provisioning must find again)."""
        return {k: v for k, v in asdict(self).items() if k not in ("notes",)}

    def rows(self) -> list[dict]:
        """What was provisioned, one row per piece (names, not random ids, where they exist)."""
        return [
            {"piece": "VPC (no internet gateway)", "name": f"{self.project}-{self.environment}-vpc",
             "detail": f"{len(self.subnet_ids)} private subnets"},
            {"piece": "security groups", "name": f"{self.project}-{self.environment}-workload, -endpoints",
             "detail": "workload -> endpoints on 443; no internet"},
            {"piece": "VPC endpoints", "name": ", ".join(sorted(self.endpoints)), "detail": "with endpoint policies"},
            {"piece": "KMS key", "name": self.kms_alias, "detail": "customer managed, rotation on"},
            {"piece": "project bucket", "name": _redact(self.bucket, self.account_id),
             "detail": "versioned, SSE-KMS by default"},
            {"piece": "bucket policy", "name": _redact(self.policy_bucket, self.account_id),
             "detail": "VPC endpoint only, TLS only, KMS puts only"},
            {"piece": "data-scientist role", "name": self.data_scientist_role_arn.rsplit("/", 1)[-1],
             "detail": ", ".join(sorted(self.policy_arns))},
            {"piece": "lifecycle configuration", "name": self.lifecycle_config, "detail": "on-start: no root"},
            {"piece": "corrective control", "name": self.corrective_function,
             "detail": f"rule {self.corrective_rule}, table {self.remediation_table}"},
            {"piece": "experiment", "name": self.experiment, "detail": "one trial per training run"},
        ]


def _redact(name: str, account: str) -> str:
    return name.replace(account, "<account>")


def bucket_names(scope: Scope, account_id: str, region: str) -> tuple[str, str]:
    """(project bucket, dedicated VPC-endpoint-only bucket used in local mode)."""
    return f"{scope.prefix}-data-{account_id}-{region}", f"{scope.prefix}-vpceonly-{account_id}"


def caller_arn(session) -> str:
    """The IAM principal running the notebook (policies name it as key administrator)."""
    if session.local:
        return session.role_arn
    return resolve_principal(session, session.client("sts").get_caller_identity()["Arn"])


def resolve_principal(session, arn: str) -> str:
    """The ARN policies must name for a caller: a role session becomes its role, with the role's
    path (IAM Identity Center roles live under `/aws-reserved/sso.amazonaws.com/`, Studio
    execution roles often under `/service-role/`; `aws:PrincipalArn` and key policies use it)."""
    from labs.secure_environment.encryption import principal_arn

    plain = principal_arn(arn)
    if session.local or ":role/" not in plain:
        return plain
    try:
        return session.client("iam").get_role(RoleName=plain.rsplit("/", 1)[-1])["Role"]["Arn"]
    except ClientError:
        return plain


def ensure_managed_policy(iam, scope: Scope, account_id: str, name: str, document: dict, description: str) -> str:
    """A customer-managed policy with `document` as its default version (a new version when it changed)."""
    arn = f"arn:aws:iam::{account_id}:policy/{name}"
    text = json.dumps(document)
    try:
        policy = iam.get_policy(PolicyArn=arn)["Policy"]
    except iam.exceptions.NoSuchEntityException:
        return iam.create_policy(PolicyName=name, PolicyDocument=text, Description=description,
                                 Tags=scope.tag_list)["Policy"]["Arn"]
    current = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])["PolicyVersion"]["Document"]
    if isinstance(current, str):
        from urllib.parse import unquote

        current = json.loads(unquote(current))
    if current != document:
        versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
        old = sorted((v for v in versions if not v["IsDefaultVersion"]), key=lambda v: v["CreateDate"])
        if len(versions) >= 5 and old:
            iam.delete_policy_version(PolicyArn=arn, VersionId=old[0]["VersionId"])
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=text, SetAsDefault=True)
    return arn


def ensure_data_scientist_role(session, scope: Scope, *, identity_policy: dict, guardrail: dict
                               ) -> tuple[str, dict[str, str]]:
    """The project's data-scientist role, tagged with the project (the ABAC conditions compare
    against that tag), with the identity policy and the guardrail document attached."""
    iam = session.client("iam")
    name = scope.name("data-scientist")
    try:
        arn = iam.get_role(RoleName=name)["Role"]["Arn"]
        iam.tag_role(RoleName=name, Tags=scope.tag_list)
    except iam.exceptions.NoSuchEntityException:
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(SAGEMAKER_TRUST),
                              Description=f"Data scientists of ML project {scope.project} ({scope.environment})",
                              Tags=scope.tag_list, MaxSessionDuration=3600)["Role"]["Arn"]
    policies = {
        scope.name("data-scientist"): ensure_managed_policy(
            iam, scope, session.account_id, scope.name("data-scientist"), identity_policy,
            "What a project data scientist may do with SageMaker, S3 and logs"),
        scope.name("guardrails"): ensure_managed_policy(
            iam, scope, session.account_id, scope.name("guardrails"), guardrail,
            "Organization-style guardrails (the SCP's denies) applied to the role"),
    }
    attached = {p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]}
    for policy_arn in policies.values():
        if policy_arn not in attached:
            iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
    return arn, policies


def provision(session, project: str, environment: str = "dev", *, cidr: str = "10.42.0.0/16",
              bucket_policy_on: str = "auto", scoped_control: bool = True) -> SecureProject:
    """Provision (or find) the whole secure project environment; idempotent.

    `bucket_policy_on`: "project" puts the VPC-endpoint-only policy on the project bucket (aws
    mode default: the caller is exempted from the endpoint condition so this notebook keeps
    working from outside the VPC), "dedicated" on a bucket of its own (local mode default,
    because the emulator ignores the policy's conditions). `scoped_control` limits the
    corrective control to resources tagged with this project."""
    from labs.secure_environment import corrective, encryption, lifecycle, lineage, network, policies

    scope = make_scope(session, project, environment)
    notes: list[str] = []
    account, region = session.account_id, session.region
    on = bucket_policy_on if bucket_policy_on != "auto" else ("dedicated" if session.local else "project")
    if on not in ("project", "dedicated"):
        raise ValueError(f"bucket_policy_on must be 'auto', 'project' or 'dedicated', got {bucket_policy_on!r}")

    net = network.ensure_vpc(session, scope, cidr=cidr)
    data_bucket, dedicated = bucket_names(scope, account, region)
    policy_bucket = data_bucket if on == "project" else dedicated
    buckets = [data_bucket] + ([dedicated] if on == "dedicated" else [])

    ds_role, policy_arns = ensure_data_scientist_role(
        session, scope,
        identity_policy=policies.data_scientist_policy(project, account, region, buckets=buckets,
                                                       subnet_ids=net.subnet_ids,
                                                       security_group_ids=[net.workload_sg]),
        guardrail=policies.guardrail_scp())
    caller = caller_arn(session)
    users = list(dict.fromkeys([caller, resolve_principal(session, session.role_arn), ds_role]))
    key = encryption.ensure_key(session, scope, policy=policies.kms_key_policy(account, [caller], users))
    for b in buckets:
        encryption.ensure_bucket(session, scope, b, key)

    # SageMaker's SDK stages code in the session's default bucket: the S3 endpoint must reach it too.
    net = network.ensure_endpoints(
        session, scope, net,
        s3_policy=policies.vpc_endpoint_policy(buckets + [session.bucket], account, ecr_region=region),
        interface_policy=policies.interface_endpoint_policy(account))
    exempt = [caller] if on == "project" else []
    encryption.apply_bucket_policy(session, policy_bucket, policies.bucket_policy(
        policy_bucket, net.s3_endpoint, key.arn, exempt_principal_arns=exempt))
    if on == "dedicated":
        notes.append(f"local mode: the VPC-endpoint-only bucket policy is on the dedicated bucket "
                     f"{_redact(dedicated, account)}, not on the project bucket: the emulator enforces the policy's "
                     "denies but ignores their conditions, so it would lock this notebook out of its own data. "
                     "The evaluator's decision table shows what the policy allows and denies.")
    else:
        notes.append(f"The project bucket accepts requests only through VPC endpoint {net.s3_endpoint}; "
                     f"{caller.rsplit('/', 1)[-1]} (running this notebook) is exempted from that one condition.")

    lc = lifecycle.ensure_lifecycle_config(session, scope)
    control = corrective.ensure_corrective_control(session, scope, allowed_subnets=net.subnet_ids,
                                                   scoped=scoped_control)
    experiment = lineage.ensure_experiment(session, scope)
    return SecureProject(
        project=project, environment=environment, tags=dict(scope.tags), region=region, account_id=account,
        vpc_id=net.vpc_id, subnet_ids=net.subnet_ids, workload_security_group=net.workload_sg,
        endpoint_security_group=net.endpoint_sg, endpoints=dict(net.endpoints), kms_key_id=key.key_id,
        kms_key_arn=key.arn, kms_alias=key.alias, bucket=data_bucket, policy_bucket=policy_bucket,
        data_scientist_role_arn=ds_role, policy_arns=policy_arns, lifecycle_config=lc,
        corrective_function=control.function_name, corrective_rule=control.rule_name,
        remediation_table=control.table, experiment=experiment, notes=notes)


# -- the lab's training job ------------------------------------------------------------------
JOB_SOURCE = Path(__file__).with_name("job")
JOB_METRICS = [{"Name": "holdout:accuracy", "Regex": r"holdout_accuracy=([0-9.]+);"},
               {"Name": "vocabulary", "Regex": r"vocabulary=([0-9]+);"}]
#: A CPU framework image with Python for the tiny script (aws mode; local mode runs the script itself).
CPU_TRAINING_IMAGE = ("763104351884.dkr.ecr.{region}.amazonaws.com/pytorch-training:"
                      "2.1.0-cpu-py310-ubuntu20.04-sagemaker")


def trainer(session, project: SecureProject, hyperparameters: dict, *, instance_type: str = "ml.m5.large",
            compliant: bool = True, max_minutes: float = 15):
    """The lab's small training job through the summarizer lab's trainer: in the project's private
    subnets, volume and model encrypted with the project key, traffic between instances
    encrypted, output in the project bucket. `compliant=False` leaves the network settings out
    (what the corrective control exists to catch)."""
    from labs.summarizer.trainer import trainer as make_trainer

    secure = dict(vpc_config=project.vpc_config, encrypt_inter_container=True) if compliant else {}
    return make_trainer(session, hyperparameters, instance_type=instance_type, max_hours=max_minutes / 60,
                        volume_kms_key=project.kms_key_arn, source_dir=JOB_SOURCE, entry_script="train.py",
                        base_job_name=f"{project.project}-{'sentiment' if compliant else 'open'}",
                        image=CPU_TRAINING_IMAGE, output_path=f"s3://{project.bucket}/models",
                        tags=project.tags, metric_definitions=JOB_METRICS, **secure)


def job_facts(session, name: str, project: SecureProject) -> dict:
    """How the job really ran, from its description."""
    d = session.client("sagemaker").describe_training_job(TrainingJobName=name)
    vpc = d.get("VpcConfig") or {}
    return {"status": d["TrainingJobStatus"],
            "in the project subnets": bool(vpc.get("Subnets")) and set(vpc["Subnets"]) <= set(project.subnet_ids),
            "security group": "workload" if vpc.get("SecurityGroupIds") == [project.workload_security_group]
            else (", ".join(vpc.get("SecurityGroupIds", [])) or "(none)"),
            "volume KMS key": _is_key(d.get("ResourceConfig", {}).get("VolumeKmsKeyId"), project),
            "model KMS key": _is_key(d.get("OutputDataConfig", {}).get("KmsKeyId"), project),
            "inter-container encryption": bool(d.get("EnableInterContainerTrafficEncryption")),
            "output": d.get("OutputDataConfig", {}).get("S3OutputPath", "").replace(project.account_id, "<account>")}


def _is_key(value: str | None, project: SecureProject) -> str:
    if not value:
        return "(none)"
    return "project key" if value in (project.kms_key_arn, project.kms_key_id, project.kms_alias) else value


def role_rows(session, project: SecureProject) -> list[dict]:
    """The data-scientist role's tags and policies (statements, size against IAM's 6,144-character limit)."""
    from labs.secure_environment.policies import policy_size

    iam = session.client("iam")
    name = project.data_scientist_role_arn.rsplit("/", 1)[-1]
    role = iam.get_role(RoleName=name)["Role"]
    tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=name)["Tags"]}
    rows = []
    for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
        meta = iam.get_policy(PolicyArn=p["PolicyArn"])["Policy"]
        doc = iam.get_policy_version(PolicyArn=p["PolicyArn"], VersionId=meta["DefaultVersionId"])["PolicyVersion"]["Document"]
        if isinstance(doc, str):
            from urllib.parse import unquote

            doc = json.loads(unquote(doc))
        stmts = doc.get("Statement", [])
        rows.append({"role": role["RoleName"], "role tag project": tags.get(PROJECT_TAG, "(missing)"),
                     "policy": p["PolicyName"], "allows": sum(s["Effect"] == "Allow" for s in stmts),
                     "denies": sum(s["Effect"] == "Deny" for s in stmts),
                     "characters": policy_size(doc), "within limit": policy_size(doc) <= 6144})
    return sorted(rows, key=lambda r: r["policy"])


def network_of(project: SecureProject):
    from labs.secure_environment.network import Network

    subnets = {f"zone-{i}": s for i, s in enumerate(project.subnet_ids)}
    return Network(vpc_id=project.vpc_id, cidr="", subnets=subnets, route_table_id="",
                   workload_sg=project.workload_security_group, endpoint_sg=project.endpoint_security_group,
                   endpoints=dict(project.endpoints))


def key_of(project: SecureProject):
    from labs.secure_environment.encryption import Key

    return Key(key_id=project.kms_key_id, arn=project.kms_key_arn, alias=project.kms_alias)


def control_of(session, project: SecureProject):
    from labs.secure_environment.corrective import CorrectiveControl

    lam = session.client("lambda")
    cfg = lam.get_function_configuration(FunctionName=project.corrective_function)
    return CorrectiveControl(function_name=project.corrective_function, function_arn=cfg["FunctionArn"],
                             rule_name=project.corrective_rule,
                             rule_arn=session.client("events").describe_rule(Name=project.corrective_rule)["Arn"],
                             table=project.remediation_table, role_arn=cfg["Role"],
                             scope_tag=cfg.get("Environment", {}).get("Variables", {}).get("SCOPE_TAG", ""))


# -- traceability and cost -------------------------------------------------------------------
def inventory(session, project: SecureProject):
    """Everything carrying this project's tags (and its environment), through the workshop inventory."""
    from helpers.resources.inventory import list_resources

    found = list_resources(session, event=project.tags.get(tagging.EVENT_TAG))

    def mine(tags: dict[str, str]) -> bool:
        return tags.get(PROJECT_TAG) == project.project and tags.get(ENVIRONMENT_TAG) == project.environment

    owners = {r.name for r in found if mine(r.tags)}
    return [r for r in found if mine(r.tags) or (r.parent and r.parent in owners)]


def cost_by_tag(session, tag: str = PROJECT_TAG, days: int = 30) -> list[dict] | None:
    """Unblended cost per value of `tag` for the last `days` days (Cost Explorer), or None in local
    mode, which has no bill. The tag must be activated as a cost allocation tag (Billing console);
    costs appear about a day after they are incurred."""
    if session.local:
        return None
    from datetime import date, timedelta

    ce = session.client("ce", region_name="us-east-1")
    end = date.today()
    out = ce.get_cost_and_usage(TimePeriod={"Start": str(end - timedelta(days=days)), "End": str(end)},
                                Granularity="MONTHLY", Metrics=["UnblendedCost"],
                                GroupBy=[{"Type": "TAG", "Key": tag}, {"Type": "DIMENSION", "Key": "SERVICE"}])
    rows = []
    for period in out.get("ResultsByTime", []):
        for g in period.get("Groups", []):
            value, service = g["Keys"]
            amount = g["Metrics"]["UnblendedCost"]
            rows.append({"from": period["TimePeriod"]["Start"], tag: value.split("$", 1)[-1] or "(untagged)",
                         "service": service, "cost": round(float(amount["Amount"]), 2), "unit": amount["Unit"]})
    return rows


# -- cleanup ---------------------------------------------------------------------------------
#: How the teardown's table names what it deleted, in the order the lab built it.
TEARDOWN_LABELS = {
    ("sagemaker", "notebook-instance"): "notebook instances",
    ("sagemaker", "notebook-lifecycle-config"): "lifecycle configs",
    ("sagemaker", "trial-component"): "trial components",
    ("sagemaker", "trial"): "trials",
    ("sagemaker", "experiment"): "experiments",
    ("events", "rule"): "EventBridge rules",
    ("lambda", "function"): "Lambda functions",
    ("dynamodb", "table"): "DynamoDB tables",
    ("iam", "role"): "IAM roles",
    ("iam", "policy"): "IAM policies",
    ("s3", "bucket"): "S3 buckets",
    ("ec2", "vpc-endpoint"): "VPC endpoints",
    ("ec2", "security-group"): "security groups",
    ("ec2", "subnet"): "subnets",
    ("ec2", "route-table"): "route tables",
    ("ec2", "vpc"): "VPCs",
}


class Removed(dict):
    """What `teardown` deleted, counted by kind ({label: count}); `.report` is the cleanup's full report."""

    def __init__(self, counts: dict[str, int], report) -> None:
        super().__init__(counts)
        self.report = report


def teardown(session, project: str, environment: str = "dev", *, timeout: float | None = None) -> Removed:
    """Delete everything carrying this project's tags, with the workshop cleanup.

    The inventory scoped to the project's tags (`project`, `environment`, and the event's)
    finds what `provision` and the lab made, and `helpers.resources.cleanup` deletes it in
    the order notebook 99 uses, waiting for what is still changing state (`timeout`: each
    phase's budget, the cleanup's default when None). Training jobs stay (SageMaker keeps job
    records; they cost nothing); the KMS key is scheduled for deletion after the minimum
    waiting period, its alias removed at once. Raises RuntimeError, with every reason, when
    something could not be deleted."""
    from helpers.resources import cleanup
    from helpers.resources.inventory import list_resources

    scope = make_scope(session, project, environment)
    found = list_resources(session, event=scope.tags.get(tagging.EVENT_TAG),
                           tags={PROJECT_TAG: project, ENVIRONMENT_TAG: environment})
    found.extend(_unlisted_lifecycle_config(session, scope, found))
    report = cleanup.run(session, cleanup.plan(session, found), dry_run=False, max_wait=timeout, progress=False)
    failed = [o for o in report.outcomes if o.status == "failed"]
    if failed:
        raise RuntimeError(f"teardown of {scope.prefix} left {len(failed)} resource(s): "
                           + "; ".join(f"{o.step.label}: {o.reason}" for o in failed))
    return Removed(_removed_counts(report, cleanup.KMS_PENDING_DAYS), report)


def _unlisted_lifecycle_config(session, scope: Scope, found) -> list:
    """The project's lifecycle config by its name, when the inventory could not list it: the local
    emulator has no list call for lifecycle configs, so one no notebook instance uses is found only
    through the naming convention of `lifecycle.ensure_lifecycle_config` (on AWS its tag finds it)."""
    from helpers.resources.base import Resource

    name = scope.name("no-root")
    if any(r.service == "sagemaker" and r.kind == "notebook-lifecycle-config" and r.id == name for r in found):
        return []
    sm = session.client("sagemaker")
    try:
        d = sm.describe_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=name)
    except ClientError:
        return []
    return [Resource("sagemaker", "notebook-lifecycle-config", name, name, tags=dict(scope.tags),
                     arn=d.get("NotebookInstanceLifecycleConfigArn", ""), region=session.region, found_by="name")]


def _removed_counts(report, pending_days: int) -> dict[str, int]:
    """{label: count} of what went, in the lab's order; a dependent found through its owner (the
    function's log group) went with it and is not counted apart."""
    labels = {**TEARDOWN_LABELS, ("kms", "key"): f"KMS keys (scheduled for deletion in {pending_days} days)"}
    counts: dict[str, int] = dict.fromkeys(labels.values(), 0)
    for o in report.outcomes:
        r = o.step.resource
        label = labels.get((r.service, r.kind))
        if o.status not in ("deleted", "scheduled for deletion") or (label is None and r.found_by == "parent"):
            continue
        label = label or o.step.phase
        counts[label] = counts.get(label, 0) + 1
    return {k: n for k, n in counts.items() if n}
