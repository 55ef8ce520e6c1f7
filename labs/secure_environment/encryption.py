"""Encryption at rest for the project: a customer-managed KMS key and the project bucket
(default SSE-KMS with that key, versioning, no public access, a bucket policy from
`labs.secure_environment.policies.bucket_policy`).

The key is found again by its alias (`alias/<project>-<environment>`), buckets by name.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from botocore.exceptions import ClientError

from labs.secure_environment.project import Scope


@dataclass
class Key:
    key_id: str
    arn: str
    alias: str


def principal_arn(arn: str) -> str:
    """The IAM ARN policies name for a caller: an assumed-role session ARN
    (`arn:aws:sts::<acct>:assumed-role/<role>/<session>`) becomes the role's ARN."""
    if ":assumed-role/" in arn:
        account = arn.split(":")[4]
        role = arn.split(":assumed-role/", 1)[1].split("/")[0]
        return f"arn:aws:iam::{account}:role/{role}"
    return arn


def ensure_key(session, scope: Scope, *, policy: dict) -> Key:
    """The project's customer-managed key (rotation on), with `policy` as its key policy."""
    kms = session.client("kms")
    alias = f"alias/{scope.prefix}"
    try:
        meta = kms.describe_key(KeyId=alias)["KeyMetadata"]
        if meta.get("KeyState") == "PendingDeletion":
            kms.cancel_key_deletion(KeyId=meta["KeyId"])
            kms.enable_key(KeyId=meta["KeyId"])
        _retry_new_principals(lambda: kms.put_key_policy(KeyId=meta["KeyId"], PolicyName="default",
                                                         Policy=json.dumps(policy)))
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NotFoundException":
            raise
        meta = _retry_new_principals(lambda: kms.create_key(
            Description=f"Data of ML project {scope.project} ({scope.environment})", KeyUsage="ENCRYPT_DECRYPT",
            Policy=json.dumps(policy), Tags=[{"TagKey": k, "TagValue": v} for k, v in scope.tags.items()]))["KeyMetadata"]
        kms.create_alias(AliasName=alias, TargetKeyId=meta["KeyId"])
    kms.enable_key_rotation(KeyId=meta["KeyId"])
    return Key(key_id=meta["KeyId"], arn=meta["Arn"], alias=alias)


def _retry_new_principals(call, attempts: int = 12, delay: float = 5.0):
    """KMS rejects a key policy naming an IAM role created seconds ago ("invalid principals")
    until the role has propagated: retry for up to a minute."""
    import time

    for attempt in range(attempts):
        try:
            return call()
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "MalformedPolicyDocumentException" or attempt == attempts - 1:
                raise
            time.sleep(delay)


def ensure_bucket(session, scope: Scope, bucket: str, key: Key) -> str:
    """A private, versioned bucket whose objects are encrypted with the project key by default."""
    s3 = session.client("s3")
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in ("404", "NoSuchBucket", "NotFound"):
            raise
        if session.region == "us-east-1":
            s3.create_bucket(Bucket=bucket)
        else:
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": session.region})
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key.arn},
        "BucketKeyEnabled": True}]})
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": scope.tag_list})
    return bucket


def apply_bucket_policy(session, bucket: str, policy: dict) -> None:
    session.client("s3").put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))


def put_encrypted(session, bucket: str, key: str, body: bytes, kms: Key) -> dict:
    """Store an object the way the bucket policy demands (SSE-KMS naming the project key);
    returns its version id and encryption as S3 reports them."""
    r = session.client("s3").put_object(Bucket=bucket, Key=key, Body=body, ServerSideEncryption="aws:kms",
                                         SSEKMSKeyId=kms.arn)
    return {"uri": f"s3://{bucket}/{key}", "version_id": r.get("VersionId", ""),
            "encryption": r.get("ServerSideEncryption", ""), "kms_key": r.get("SSEKMSKeyId", "")}


def object_facts(session, bucket: str, object_key: str, key: Key) -> dict:
    """How S3 stored one object: its encryption, key and version."""
    h = session.client("s3").head_object(Bucket=bucket, Key=object_key)
    return {"object": object_key, "encryption": h.get("ServerSideEncryption", "(none)"),
            "with the project key": h.get("SSEKMSKeyId") in (key.arn, key.key_id),
            "bucket key": bool(h.get("BucketKeyEnabled")), "has a version id": bool(h.get("VersionId"))}


def bucket_facts(session, bucket: str, key: Key) -> dict:
    """What the bucket enforces, read back from S3."""
    s3 = session.client("s3")
    enc = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    default = enc["ApplyServerSideEncryptionByDefault"]
    pab = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    try:
        statements = [s.get("Sid", "") for s in json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]]
    except ClientError:
        statements = []
    return {
        "versioning": s3.get_bucket_versioning(Bucket=bucket).get("Status", "Disabled"),
        "default encryption": default["SSEAlgorithm"],
        "with the project key": default.get("KMSMasterKeyID") in (key.arn, key.key_id, key.alias),
        "bucket key": enc.get("BucketKeyEnabled", False),
        "public access blocked": all(pab.values()),
        "policy statements": ", ".join(statements) or "(none)",
    }


def key_facts(session, key: Key) -> dict:
    kms = session.client("kms")
    meta = kms.describe_key(KeyId=key.key_id)["KeyMetadata"]
    policy = json.loads(kms.get_key_policy(KeyId=key.key_id, PolicyName="default")["Policy"])
    return {"alias": key.alias, "manager": meta.get("KeyManager", ""), "state": meta.get("KeyState", ""),
            "rotation": kms.get_key_rotation_status(KeyId=key.key_id)["KeyRotationEnabled"],
            "key policy": "own (not the default)" if len(policy.get("Statement", [])) > 1 else "default"}
