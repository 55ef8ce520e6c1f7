"""What a fresh local account needs before the first lab (idempotent).

A real SageMaker Studio account arrives with an execution role, a default
bucket and (for the DeepRacer labs) an IAM Identity Center instance and a
verified sender address; the embedded runtime gets the same here.
"""
from __future__ import annotations

import json

EXECUTION_ROLE = "WorkshopExecutionRole"
SENDER = "deepracer-events@example.com"

TRUST = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Principal": {"Service": ["sagemaker.amazonaws.com", "lambda.amazonaws.com"]},
        "Action": "sts:AssumeRole",
    }],
}


def default_bucket(region: str, account_id: str) -> str:
    return f"sagemaker-{region}-{account_id}"


def role_arn(account_id: str) -> str:
    return f"arn:aws:iam::{account_id}:role/{EXECUTION_ROLE}"


def seed_local(rt) -> None:
    iam = rt.client("iam")
    try:
        iam.get_role(RoleName=EXECUTION_ROLE)
    except iam.exceptions.NoSuchEntityException:
        iam.create_role(RoleName=EXECUTION_ROLE, AssumeRolePolicyDocument=json.dumps(TRUST),
                        Description="Execution role of the workshop (local mode)")
    s3 = rt.client("s3")
    bucket = default_bucket(rt.region, rt.account_id)
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        if rt.region == "us-east-1":
            s3.create_bucket(Bucket=bucket)
        else:
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": rt.region})
    rt.client("sesv2").create_email_identity(EmailIdentity=SENDER)
