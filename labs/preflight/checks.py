"""Preflight: is this account (or the local runtime) ready for the labs?

Reports versions, identity, the limits the labs depend on, what the labs
will create and how it is tagged, and, in aws mode, which required actions
the caller is *not* allowed, by action name, before anything is created.
"""
from __future__ import annotations

import importlib.metadata as md
import platform

from botocore.exceptions import ClientError

PACKAGES = ("boto3", "botocore", "sagemaker", "awswrangler", "moto", "transformers", "torch",
            "papermill", "nbval", "jupyterlab")

# What each lab calls, by IAM action. The preflight simulates these in aws mode.
REQUIRED_ACTIONS: dict[str, list[str]] = {
    "01 multi-user event": [
        "iam:CreateRole", "iam:AttachRolePolicy", "sso:ListInstances", "sso:CreatePermissionSet",
        "sso:AttachManagedPolicyToPermissionSet", "sso:CreateAccountAssignment", "identitystore:CreateGroup",
        "dynamodb:CreateTable", "dynamodb:PutItem", "budgets:ModifyBudget", "cloudwatch:PutMetricAlarm",
    ],
    "02 registration": [
        "cloudformation:CreateStack", "lambda:CreateFunction", "lambda:CreateEventSourceMapping",
        "apigateway:POST", "sqs:CreateQueue", "iam:PassRole", "iam:PutRolePolicy", "s3:PutObject",
        "ses:SendEmail", "identitystore:CreateUser", "identitystore:CreateGroupMembership",
        "identitystore:DeleteUser", "dynamodb:Scan",
    ],
}

# What the labs create, how long they take and what they cost in aws mode.
LAB_PLAN = [
    {"lab": "00 preflight", "creates": "nothing", "minutes": 5, "aws cost": "$0"},
    {"lab": "01 multi-user event", "creates": "admin role, racer group, permission set + assignment, "
     "event table, roster table, budget, billing alarm", "minutes": 20,
     "aws cost": "< $0.10 (DynamoDB on demand; the first 2 budgets are free)"},
    {"lab": "02 registration", "creates": "registration stack: 2 functions, HTTP API, event source mapping, "
     "SQS queue, IAM role; identity-store users", "minutes": 30,
     "aws cost": "< $0.10 for a few hundred racers (Lambda, API Gateway, SES at $0.10 per 1,000 mails)"},
]

SPONSOR_LIMITS = {"concurrent training jobs": 100, "concurrent evaluation jobs": 100, "cars": 1000,
                  "private leaderboards": 50}


def versions() -> list[dict[str, str]]:
    rows = [{"package": "python", "version": platform.python_version()}]
    for name in PACKAGES:
        try:
            rows.append({"package": name, "version": md.version(name)})
        except md.PackageNotFoundError:
            rows.append({"package": name, "version": "not installed"})
    return rows


def caller(session) -> dict[str, str]:
    ident = session.client("sts").get_caller_identity()
    return {"account": ident["Account"], "arn": ident["Arn"], "region": session.region, "mode": session.mode}


def _probe(fn, describe) -> dict[str, str]:
    try:
        return {"value": describe(fn()), "status": "ok"}
    except ClientError as exc:
        err = exc.response.get("Error", {})
        if str(err.get("Code")) in ("404", "NotImplemented", "InternalFailure", "500"):
            return {"value": "not implemented by the local emulator (checked in aws mode)", "status": "n/a"}
        return {"value": f"{err.get('Code')}: {err.get('Message', '')}"[:120], "status": "check"}
    except Exception as exc:  # noqa: BLE001 - the emulator lacks some APIs; say so, do not crash
        return {"value": f"not available here ({type(exc).__name__})", "status": "n/a"}


def account_limits(session) -> list[dict[str, str]]:
    """The account settings the labs rely on, read from the services themselves."""
    lam, ses, sso = session.client("lambda"), session.client("sesv2"), session.client("sso-admin")
    rows = []
    for name, fn, describe in [
        ("Lambda concurrent executions", lambda: lam.get_account_settings(),
         lambda r: str(r["AccountLimit"]["ConcurrentExecutions"])),
        ("SES sending (max per 24 h)", lambda: ses.get_account(),
         lambda r: f"{r.get('SendQuota', {}).get('Max24HourSend', '?')}; production access: "
                   f"{r.get('ProductionAccessEnabled', '?')}"),
        ("IAM Identity Center instance", lambda: sso.list_instances(),
         lambda r: r["Instances"][0]["IdentityStoreId"] if r.get("Instances") else "none: enable it first"),
    ]:
        rows.append({"limit": name, **_probe(fn, describe)})
    for name, default in SPONSOR_LIMITS.items():
        rows.append({"limit": f"DeepRacer sponsoring account: {name}", "value": f"{default} (the retired "
                     "DeepRacer console's default, history: DeepRacer on AWS is limited by SageMaker quotas)", "status": "info"})
    return rows


def check_permissions(session) -> list[dict[str, str]]:
    """aws mode: simulate every required action for the caller; report denials by name."""
    if session.local:
        return [{"lab": lab, "action": a, "decision": "not simulated offline"}
                for lab, actions in REQUIRED_ACTIONS.items() for a in actions]
    arn = caller(session)["arn"]
    if ":assumed-role/" in arn:  # simulate the role, not the session
        parts = arn.split(":assumed-role/")[1].split("/")
        arn = f"arn:aws:iam::{session.account_id}:role/{parts[0]}"
    iam = session.client("iam")
    rows = []
    for lab, actions in REQUIRED_ACTIONS.items():
        resp = iam.simulate_principal_policy(PolicySourceArn=arn, ActionNames=actions)
        for r in resp["EvaluationResults"]:
            rows.append({"lab": lab, "action": r["EvalActionName"], "decision": r["EvalDecision"]})
    return rows


def denied(rows: list[dict[str, str]]) -> list[str]:
    return [r["action"] for r in rows if r["decision"] not in ("allowed", "not simulated offline")]
