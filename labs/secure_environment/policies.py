"""The preventive controls of a secure ML project, as policy documents.

Pure functions that return IAM JSON (dicts): nothing here calls AWS, so the same documents are
attached in aws mode, evaluated offline by `labs.secure_environment.evaluate`, and linted in the tests.

What each document prevents:

* `data_scientist_policy` (identity policy of a project's data scientists): SageMaker work
  that would leave the project's private network (no VPC), write unencrypted volumes (no KMS
  key), burn money (instance types outside a small allow-list), open a notebook to the internet
  or give it root, or touch another project's resources (ABAC on the `project` tag).
* `guardrail_scp` (organization service control policy): the same denies for every principal in
  the account, so a role someone forgot to restrict cannot get round them.
* `bucket_policy`: the project bucket answers only through the project's VPC endpoint, only over
  TLS, and only stores objects encrypted with the project's KMS key.
* `vpc_endpoint_policy` / `interface_endpoint_policy`: traffic leaving the VPC through an endpoint
  can reach only the project's buckets, and only for this account's (or the named) principals:
  stolen credentials from elsewhere, or a copy to a personal bucket, go nowhere.
* `kms_key_policy`: key administrators cannot read data; data users cannot delete the key; no
  identity policy can grant decryption to someone the key policy does not name.

Condition keys follow the current Service Authorization Reference. SageMaker renamed
`sagemaker:VolumeKmsKey` to `sagemaker:VolumeKmsKeyArn`; the "no KMS key" deny tests that both
are absent, so it is right whichever of the two a region fills in.
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

Policy = dict[str, Any]
Statement = dict[str, Any]

VERSION = "2012-10-17"
TAG_KEY = "project"
PRINCIPAL_TAG = "${aws:PrincipalTag/project}"

#: Small, cheap instance types a project may use (notebooks, training, processing, hosting).
ALLOWED_INSTANCE_TYPES: tuple[str, ...] = (
    "ml.t3.medium",
    "ml.m5.large",
    "ml.m5.xlarge",
    "ml.g4dn.xlarge",
)

#: Creates that accept a VPC configuration (endpoints get theirs from the model).
VPC_ACTIONS: tuple[str, ...] = (
    "sagemaker:CreateNotebookInstance",
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateProcessingJob",
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:CreateModel",
)
#: Creates that attach an ML storage volume a KMS key can encrypt.
VOLUME_ACTIONS: tuple[str, ...] = (
    "sagemaker:CreateNotebookInstance",
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateProcessingJob",
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:CreateTransformJob",
    "sagemaker:CreateEndpointConfig",
)
#: Requests that choose instance types (the `sagemaker:InstanceTypes` key).
INSTANCE_ACTIONS: tuple[str, ...] = VOLUME_ACTIONS + (
    "sagemaker:UpdateNotebookInstance",
    "sagemaker:CreateApp",
)
#: Creates of project resources: each must carry the creator's project tag.
TAGGED_CREATE_ACTIONS: tuple[str, ...] = tuple(dict.fromkeys(VPC_ACTIONS + VOLUME_ACTIONS + (
    "sagemaker:CreateEndpoint",
    "sagemaker:CreateExperiment",
    "sagemaker:CreateModelPackageGroup",
    "sagemaker:CreatePipeline",
)))
#: What a project member does to an existing resource: only to their own project's.
MANAGE_ACTIONS: tuple[str, ...] = (
    "sagemaker:Stop*",
    "sagemaker:Delete*",
    "sagemaker:Update*",
    "sagemaker:Start*",
)
_READ_ACTIONS = ("sagemaker:Describe*", "sagemaker:List*", "sagemaker:Search",
                 "sagemaker:GetSearchSuggestions")
_VOLUME_KEYS = ("sagemaker:VolumeKmsKeyArn", "sagemaker:VolumeKmsKey")

# Nitro instances with local NVMe storage encrypt it in hardware, and SageMaker rejects a volume
# KMS key for them ("You can't request a VolumeKmsKeyId when using an instance type with local
# storage"): the KMS deny must not apply to them, or those types could never be used at all.
_LOCAL_STORAGE = re.compile(r"^ml\.([a-z]+\d+[a-z]*d[a-z]*|g5|g6e?|p5e?n?|trn1n?)\.")


def has_local_storage(instance_type: str) -> bool:
    """True for instance types whose volumes are instance-store NVMe (ml.g4dn, ml.m5d, ml.p4d...)."""
    return bool(_LOCAL_STORAGE.match(instance_type))


def _stmt(sid: str, effect: str, actions: Sequence[str] | str, resources: Sequence[str] | str = "*",
          condition: dict[str, dict[str, Any]] | None = None, principal: Any = None) -> Statement:
    stmt: Statement = {"Sid": sid, "Effect": effect}
    if principal is not None:
        stmt["Principal"] = principal
    stmt["Action"] = actions if isinstance(actions, str) else list(actions)
    stmt["Resource"] = resources if isinstance(resources, str) else list(resources)
    if condition:
        stmt["Condition"] = condition
    return stmt


def _doc(statements: Sequence[Statement]) -> Policy:
    return {"Version": VERSION, "Statement": list(statements)}


def _with_exemption(condition: dict[str, dict[str, Any]], exempt: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Add "unless the caller is one of these roles" (break-glass, pipelines) to a deny."""
    if exempt:
        condition = {**condition, "ArnNotLike": {"aws:PrincipalArn": list(exempt)}}
    return condition


def guardrail_statements(allowed_instance_types: Sequence[str] = ALLOWED_INSTANCE_TYPES, *,
                         subnet_ids: Sequence[str] = (), security_group_ids: Sequence[str] = (),
                         exempt_principal_arns: Sequence[str] = ()) -> list[Statement]:
    """The denies every SageMaker request must pass, whatever else allows it.

    Shared by the identity policy and the SCP so the two cannot drift apart. Each is a separate
    statement because keys inside one condition block are ANDed: "no subnets AND no security
    groups" would let a request with only one of them through."""
    ex = exempt_principal_arns
    stmts = [
        _stmt("DenyWithoutVpcSubnets", "Deny", VPC_ACTIONS,
              condition=_with_exemption({"Null": {"sagemaker:VpcSubnets": "true"}}, ex)),
        _stmt("DenyWithoutVpcSecurityGroups", "Deny", VPC_ACTIONS,
              condition=_with_exemption({"Null": {"sagemaker:VpcSecurityGroupIds": "true"}}, ex)),
    ]
    if subnet_ids:
        stmts.append(_stmt("DenyOtherSubnets", "Deny", VPC_ACTIONS, condition=_with_exemption(
            {"ForAnyValue:StringNotEquals": {"sagemaker:VpcSubnets": list(subnet_ids)}}, ex)))
    if security_group_ids:
        stmts.append(_stmt("DenyOtherSecurityGroups", "Deny", VPC_ACTIONS, condition=_with_exemption(
            {"ForAnyValue:StringNotEquals": {"sagemaker:VpcSecurityGroupIds": list(security_group_ids)}}, ex)))
    no_key: dict[str, dict[str, Any]] = {"Null": {k: "true" for k in _VOLUME_KEYS}}
    local = [t for t in allowed_instance_types if has_local_storage(t)]
    if local:
        no_key["ForAllValues:StringNotEquals"] = {"sagemaker:InstanceTypes": local}
    stmts += [
        _stmt("DenyWithoutVolumeKmsKey", "Deny", VOLUME_ACTIONS, condition=_with_exemption(no_key, ex)),
        _stmt("DenyInstanceTypesOutsideAllowList", "Deny", INSTANCE_ACTIONS, condition=_with_exemption(
            {"ForAnyValue:StringNotLike": {"sagemaker:InstanceTypes": list(allowed_instance_types)}}, ex)),
        _stmt("DenyNotebookDirectInternet", "Deny", "sagemaker:CreateNotebookInstance",
              condition=_with_exemption({"StringNotEquals": {"sagemaker:DirectInternetAccess": "Disabled"}}, ex)),
        _stmt("DenyNotebookRootAccess", "Deny", "sagemaker:CreateNotebookInstance",
              condition=_with_exemption({"StringNotEquals": {"sagemaker:RootAccess": "Disabled"}}, ex)),
        _stmt("DenyNotebookRootAccessOnUpdate", "Deny", "sagemaker:UpdateNotebookInstance",
              condition=_with_exemption({"StringEquals": {"sagemaker:RootAccess": "Enabled"}}, ex)),
    ]
    return stmts


def data_scientist_policy(project: str, account_id: str, region: str, *,
                          allowed_instance_types: Sequence[str] = ALLOWED_INSTANCE_TYPES,
                          execution_role_arns: Sequence[str] | None = None,
                          buckets: Sequence[str] | None = None,
                          subnet_ids: Sequence[str] = (),
                          security_group_ids: Sequence[str] = ()) -> Policy:
    """Identity policy for a project's data scientists (their role carries the tag `project=<project>`).

    Allows: reading SageMaker, creating project-tagged resources, managing and invoking the
    project's own resources, passing the project's execution role(s) to SageMaker, and the
    project's buckets. Denies (explicitly, so no other attached policy can undo them): the
    guardrails of `guardrail_statements`, creates tagged for another project (or untagged), and
    changes to another project's resources. The ABAC conditions compare with
    `${aws:PrincipalTag/project}`, so one document serves every project's role alike; `project`
    names the roles and buckets it may use.

    `execution_role_arns` default to `<project>-*` roles, `buckets` to `<project>-*` buckets;
    pass the real ones once provisioned. `subnet_ids`/`security_group_ids` pin the VPC
    config to the project's own network rather than any VPC.
    """
    roles = list(execution_role_arns or [f"arn:aws:iam::{account_id}:role/{project}-*"])
    names = list(buckets or [f"{project}-*"])
    sm = f"arn:aws:sagemaker:{region}:{account_id}:*"
    mine: dict[str, dict[str, Any]] = {"StringEquals": {f"aws:ResourceTag/{TAG_KEY}": PRINCIPAL_TAG}}
    statements = [
        _stmt("ReadSageMaker", "Allow", _READ_ACTIONS),
        _stmt("CreateProjectTaggedResources", "Allow", TAGGED_CREATE_ACTIONS + ("sagemaker:AddTags",), sm,
              {"StringEquals": {f"aws:RequestTag/{TAG_KEY}": PRINCIPAL_TAG}}),
        # "*" rather than the account's ARNs: a few Delete*/Update* actions only take "*", and the
        # tag condition is what confines them to the project.
        _stmt("ManageOwnProjectResources", "Allow",
              MANAGE_ACTIONS + ("sagemaker:InvokeEndpoint", "sagemaker:CreatePresignedDomainUrl"), "*", mine),
        _stmt("PassProjectExecutionRole", "Allow", "iam:PassRole", roles,
              {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}),
        _stmt("ProjectBuckets", "Allow",
              ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetObject", "s3:PutObject", "s3:DeleteObject",
               "s3:AbortMultipartUpload"],
              [f"arn:aws:s3:::{b}" for b in names] + [f"arn:aws:s3:::{b}/*" for b in names]),
        _stmt("ReadSageMakerLogs", "Allow", ["logs:DescribeLogStreams", "logs:GetLogEvents"],
              f"arn:aws:logs:{region}:{account_id}:log-group:/aws/sagemaker/*"),
        *guardrail_statements(allowed_instance_types, subnet_ids=subnet_ids,
                              security_group_ids=security_group_ids),
        _stmt("DenyCreateForOtherProject", "Deny", TAGGED_CREATE_ACTIONS,
              condition={"StringNotEquals": {f"aws:RequestTag/{TAG_KEY}": PRINCIPAL_TAG}}),
        _stmt("DenyChangesToOtherProjects", "Deny", MANAGE_ACTIONS + ("sagemaker:AddTags",),
              condition={"Null": {f"aws:ResourceTag/{TAG_KEY}": "false"},
                         "StringNotEquals": {f"aws:ResourceTag/{TAG_KEY}": PRINCIPAL_TAG}}),
        _stmt("DenyRemovingProjectTag", "Deny", "sagemaker:DeleteTags",
              condition={"ForAnyValue:StringEquals": {"aws:TagKeys": [TAG_KEY]}}),
    ]
    return _doc(statements)


def guardrail_scp(allowed_instance_types: Sequence[str] = ALLOWED_INSTANCE_TYPES, *,
                  exempt_principal_arns: Sequence[str] = ()) -> Policy:
    """Service control policy with the SageMaker guardrails for every principal in the account.

    Deny-only: it works next to the default `FullAWSAccess` SCP, which still has to allow. The
    identity policy already has these denies; the SCP is for the roles nobody thought of
    (an admin's, a CI pipeline's). `exempt_principal_arns` (e.g. a break-glass role) bypass it."""
    return _doc(guardrail_statements(allowed_instance_types, exempt_principal_arns=exempt_principal_arns))


def full_aws_access_scp() -> Policy:
    """The AWS-managed default SCP (`FullAWSAccess`): every account has it next to any guardrail."""
    return _doc([{"Effect": "Allow", "Action": "*", "Resource": "*"}])


def bucket_policy(bucket: str, vpce_id: str, kms_key_arn: str, *,
                  exempt_principal_arns: Sequence[str] = ()) -> Policy:
    """Project bucket policy: only through the project VPC endpoint, only TLS, only SSE-KMS with the key.

    Deny-only (access itself comes from identity policies). Puts must name the key by ARN in
    `x-amz-server-side-encryption-aws-kms-key-id` (boto3: `ServerSideEncryption="aws:kms",
    SSEKMSKeyId=<arn>`); "aws:kms" alone would use the AWS-managed aws/s3 key, which any
    principal of the account can use. `exempt_principal_arns` (administrators, the console)
    keep access from outside the VPC; without them nobody can even change this policy except
    from inside the VPC or as the account root."""
    arns = [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]
    objects = f"arn:aws:s3:::{bucket}/*"
    return _doc([
        _stmt("DenyOutsideProjectVpcEndpoint", "Deny", "s3:*", arns,
              _with_exemption({"StringNotEquals": {"aws:SourceVpce": vpce_id}}, exempt_principal_arns),
              principal="*"),
        _stmt("DenyInsecureTransport", "Deny", "s3:*", arns,
              {"Bool": {"aws:SecureTransport": "false"}}, principal="*"),
        _stmt("DenyPutsNotEncryptedWithKms", "Deny", "s3:PutObject", objects,
              {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}, principal="*"),
        _stmt("DenyPutsWithOtherKmsKey", "Deny", "s3:PutObject", objects,
              {"StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": kms_key_arn}},
              principal="*"),
    ])


def _principal_condition(account_id: str, principals: Sequence[str] | None) -> dict[str, dict[str, Any]]:
    cond: dict[str, dict[str, Any]] = {"StringEquals": {"aws:PrincipalAccount": account_id}}
    if principals:
        cond["ArnLike"] = {"aws:PrincipalArn": list(principals)}
    return cond


S3_PROJECT_ACTIONS: tuple[str, ...] = (
    "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:GetBucketLocation",
    "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:ListBucketMultipartUploads",
)


def vpc_endpoint_policy(buckets: Sequence[str], account_id: str, principals: Sequence[str] | None = None,
                        *, ecr_region: str | None = None) -> Policy:
    """S3 gateway endpoint policy: only the project's buckets, only this account's (or the named) principals.

    Closes the exfiltration path "copy the data to my own bucket from inside the VPC". Training
    containers pull their image layers from ECR's S3 bucket through this same endpoint: pass
    `ecr_region` to allow reading that bucket (and nothing else of AWS's)."""
    resources = [f"arn:aws:s3:::{b}" for b in buckets] + [f"arn:aws:s3:::{b}/*" for b in buckets]
    stmts = [_stmt("ProjectBucketsOnly", "Allow", S3_PROJECT_ACTIONS, resources,
                   _principal_condition(account_id, principals), principal="*")]
    if ecr_region:
        stmts.append(_stmt("EcrImageLayers", "Allow", "s3:GetObject",
                           f"arn:aws:s3:::prod-{ecr_region}-starport-layer-bucket/*", principal="*"))
    return _doc(stmts)


def interface_endpoint_policy(account_id: str, principals: Sequence[str] | None = None, *,
                              actions: Sequence[str] | str = "*") -> Policy:
    """Interface endpoint policy (SageMaker API and runtime, STS, CloudWatch Logs): this account's
    (or the named) principals only, so credentials from another account cannot use the endpoint."""
    return _doc([_stmt("ProjectPrincipalsOnly", "Allow", actions, "*",
                       _principal_condition(account_id, principals), principal="*")])


# Not "kms:Create*" as in AWS's example policy: that includes kms:CreateGrant, with which an
# administrator could grant themselves decryption. (kms:PutKeyPolicy could too: that one is
# inherent to administering a key, and CloudTrail records it.)
KMS_ADMIN_ACTIONS: tuple[str, ...] = (
    "kms:CreateAlias", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
    "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource",
    "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
)
KMS_USE_ACTIONS: tuple[str, ...] = (
    "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey",
)


def kms_key_policy(account_id: str, admin_arns: Sequence[str], user_arns: Sequence[str], *,
                   allow_account_root: bool = True) -> Policy:
    """Key policy of the project's customer-managed key: separation of duties.

    Administrators manage the key but cannot encrypt or decrypt with it; users (the data
    scientists and the SageMaker execution role) use it, and may create grants only for AWS
    services (SageMaker attaches encrypted volumes through a grant). `allow_account_root` keeps
    a version of AWS's default "the account may delegate through IAM" statement, limited to the
    management actions: without it a deleted admin role leaves a key nobody can manage (and KMS
    refuses a policy that locks out its own caller); limited, because with AWS's default
    (`kms:*`) any identity policy granting `kms:Decrypt` on "*" would read the project's data."""
    stmts = []
    if allow_account_root:
        stmts.append(_stmt("AccountManagesKeyThroughIam", "Allow", KMS_ADMIN_ACTIONS, "*",
                           principal={"AWS": f"arn:aws:iam::{account_id}:root"}))
    stmts += [
        _stmt("KeyAdministrators", "Allow", KMS_ADMIN_ACTIONS, "*", principal={"AWS": list(admin_arns)}),
        _stmt("KeyUsers", "Allow", KMS_USE_ACTIONS, "*", principal={"AWS": list(user_arns)}),
        _stmt("KeyUsersGrantToAwsServices", "Allow", ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
              "*", {"Bool": {"kms:GrantIsForAWSResource": "true"}}, principal={"AWS": list(user_arns)}),
    ]
    return _doc(stmts)


def policy_size(policy: Policy) -> int:
    """Characters IAM counts against its limits (whitespace excluded): 6,144 for a managed
    policy, 5,120 for an SCP, 20,480 for a bucket policy."""
    return len(json.dumps(policy, separators=(",", ":")))
