"""Preflight: is this account (or the local runtime) ready for the labs?

Reports versions, identity, the limits the labs depend on, what the labs
will create and what it costs, and, in aws mode, which required actions the
caller is *not* allowed, by action name, before anything is created.

The limits are today's: labs 01-02 run the event on DeepRacer on AWS (the AWS
Solution that replaced the DeepRacer console, retired at the end of 2025), so
what limits an event is this account's SageMaker training quota for the
solution's instance type and how many emails it can send a day, not the
console's per-account figures.
"""
from __future__ import annotations

import importlib.metadata as md
import numbers
import platform
from typing import Any, Callable

from botocore.exceptions import ClientError

from helpers import deepracer_on_aws as dra
from labs.deepracer_event import capacity

PACKAGES = ("boto3", "botocore", "sagemaker", "awswrangler", "moto", "transformers", "torch",
            "stable_baselines3", "papermill", "nbval", "jupyterlab")

STATUSES = ("ok", "check", "n/a", "info")

# -- permissions --------------------------------------------------------------------------------------
# What each lab calls with the caller's credentials in aws mode, by IAM action; the preflight simulates these.
# Lab 02's stack is created without a service role, so CloudFormation creates its resources with the
# caller's permissions: those actions are listed too. What needs no permission of the caller is in
# NOT_SIMULATED. Labs 03-06 and 99 are not listed yet.
_IDENTITY_CENTER = [
    "sso:ListInstances", "sso:ListPermissionSets", "sso:DescribePermissionSet", "sso:CreatePermissionSet",
    "sso:TagResource", "sso:ListManagedPoliciesInPermissionSet", "sso:AttachManagedPolicyToPermissionSet",
    "sso:ListAccountAssignments", "sso:CreateAccountAssignment",
    "identitystore:GetGroupId", "identitystore:CreateGroup", "identitystore:DescribeGroup",
]
_ADMIN_ROLE = ["iam:GetRole", "iam:CreateRole", "iam:TagRole", "iam:PutRolePolicy", "iam:ListRolePolicies"]
_EVENT_TABLES = ["dynamodb:ListTables", "dynamodb:CreateTable", "dynamodb:DescribeTable", "dynamodb:TagResource",
                 "dynamodb:PutItem", "dynamodb:GetItem"]

REQUIRED_ACTIONS: dict[str, list[str]] = {
    "00 preflight": [
        "iam:SimulatePrincipalPolicy", "lambda:GetAccountSettings", "ses:GetAccount", "sso:ListInstances",
        "cloudformation:DescribeStacks", "cognito-idp:DescribeUserPool",
        "servicequotas:GetServiceQuota", "servicequotas:GetAWSDefaultServiceQuota",
    ],
    "01 multi-user event": [
        # the DeepRacer on AWS deployment: found, or launched from the solution's template URL
        "cloudformation:DescribeStacks", "cloudformation:CreateStack",
        # the event admin's password (Secrets Manager, <event>/deepracer-on-aws-admin)
        "secretsmanager:GetSecretValue", "secretsmanager:CreateSecret", "secretsmanager:TagResource",
        # the solution's user pool: SAML sign-in for racers, SES for its invitations
        "cognito-idp:DescribeUserPool", "cognito-idp:UpdateUserPool", "cognito-idp:CreateIdentityProvider",
        "cognito-idp:UpdateIdentityProvider", "cognito-idp:DescribeIdentityProvider",
        "cognito-idp:DescribeUserPoolClient", "cognito-idp:UpdateUserPoolClient",
        *_IDENTITY_CENTER, *_ADMIN_ROLE, *_EVENT_TABLES, "dynamodb:UpdateItem",
        # sizing: training quota, price, email capacity
        "servicequotas:GetServiceQuota", "servicequotas:GetAWSDefaultServiceQuota", "pricing:GetProducts",
        "ses:GetAccount",
        # spend
        "budgets:ViewBudget", "budgets:ModifyBudget", "cloudwatch:DescribeAlarms", "cloudwatch:PutMetricAlarm",
        "cloudwatch:TagResource",
    ],
    "02 registering racers": [
        # the deployment, its admin and the registration function's service user (Cognito admin calls)
        "cloudformation:DescribeStacks", "secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret",
        "secretsmanager:CreateSecret", "secretsmanager:PutSecretValue", "secretsmanager:TagResource",
        "cognito-idp:DescribeUserPool", "cognito-idp:UpdateUserPool", "cognito-idp:AdminGetUser",
        "cognito-idp:AdminCreateUser", "cognito-idp:AdminSetUserPassword", "cognito-idp:AdminAddUserToGroup",
        *_IDENTITY_CENTER, *_ADMIN_ROLE, *_EVENT_TABLES,
        # the registration stack (SAM template: the transform needs CreateChangeSet) and its code
        "s3:PutObject", "cloudformation:CreateStack", "cloudformation:UpdateStack",
        "cloudformation:CreateChangeSet",
        # what the stack creates with the caller's permissions
        "iam:PassRole", "lambda:CreateFunction", "lambda:GetFunction", "lambda:UpdateFunctionCode",
        "lambda:UpdateFunctionConfiguration", "lambda:TagResource", "lambda:AddPermission",
        "lambda:CreateEventSourceMapping", "lambda:ListEventSourceMappings", "s3:GetObject",
        "apigateway:GET", "apigateway:POST", "apigateway:DELETE", "sqs:CreateQueue", "sqs:GetQueueAttributes",
        "sqs:TagQueue", "logs:CreateLogGroup", "logs:PutRetentionPolicy", "dynamodb:UpdateTimeToLive",
        # running the event: roster, streams, parked records, re-drive, offboarding
        "dynamodb:Scan", "dynamodb:UpdateItem", "dynamodb:DescribeStream", "dynamodb:GetShardIterator",
        "dynamodb:GetRecords", "sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:DeleteMessage",
        "lambda:InvokeFunction", "identitystore:ListGroupMemberships", "identitystore:DescribeUser",
        "identitystore:GetGroupMembershipId", "identitystore:DeleteGroupMembership", "identitystore:DeleteUser",
    ],
    "07 reward practice track": [
        # the event's deployment, found by namespace; signing in and TestRewardFunction are in NOT_SIMULATED
        "cloudformation:DescribeStacks",
    ],
}

# Calls the labs make that the caller's IAM policies do not decide, and why.
PUBLIC_ACTIONS = ("cognito-idp:InitiateAuth", "cognito-idp:RespondToAuthChallenge", "cognito-identity:GetId",
                  "cognito-identity:GetCredentialsForIdentity")
NO_PERMISSION_NEEDED = ("sts:GetCallerIdentity", *PUBLIC_ACTIONS)
NOT_SIMULATED: list[dict[str, str]] = [
    {"calls": "sts:GetCallerIdentity", "why not simulated": "needs no permission (who am I?)"},
    {"calls": ", ".join(PUBLIC_ACTIONS),
     "why not simulated": "public APIs: signing in to the solution takes a user-pool password, not IAM"},
    {"calls": "the solution's API (CreateProfile, BulkInviteUser, CreateLeaderboard, TestRewardFunction...)",
     "why not simulated": "signed with the user's identity-pool credentials; the solution's group roles allow it"},
    {"calls": "the registration functions' calls (ses:SendEmail, identitystore:CreateUser, cognito-idp:ListUsers)",
     "why not simulated": "they run as the functions' role, which lab 02's stack creates"},
    {"calls": "what the DeepRacer on AWS template creates (CloudFront, WAF, Step Functions, ECR, ...)",
     "why not simulated": "created with the launcher's permissions: launch the solution as an administrator"},
]

# -- the plan -----------------------------------------------------------------------------------------
# What the labs create, how long they take and what they cost in aws mode (as README.md's lab table).
LAB_PLAN: list[dict[str, str]] = [
    {"lab": "00 preflight", "creates": "nothing (read-only calls)", "minutes": "5", "aws cost": "$0"},
    {"lab": "01 multi-user event",
     "creates": "DeepRacer on AWS stack if missing, admin secret, settings + race, Identity Center group, admin role, "
                "tables, budget, alarm",
     "minutes": "20 (+30 to launch)", "aws cost": "the solution's standing cost + training hours (ml.c7i.4xlarge)"},
    {"lab": "02 registering racers",
     "creates": "registration stack (2 functions, HTTP API, stream mapping, SQS queue, role), service user, racers",
     "minutes": "30", "aws cost": "< $0.10 for a few hundred racers (Lambda, API Gateway, DynamoDB, SES)"},
    {"lab": "03 fine-tune summarizer", "creates": "a SageMaker training job (data and model in the default bucket)",
     "minutes": "15–25", "aws cost": "≈ $1.5 per training hour (ml.g5.2xlarge)"},
    {"lab": "04 deploy summarizer", "creates": "SageMaker model, endpoint config, endpoint (deleted at the end)",
     "minutes": "10", "aws cost": "≈ $0.23/h while the endpoint exists (ml.m5.xlarge)"},
    {"lab": "05 QA on Lambda", "creates": "ECR repository, Lambda container function, HTTP API, IAM role, log group",
     "minutes": "20–30", "aws cost": "cents (Lambda at 5 GB, ECR storage)"},
    {"lab": "06 secure environment",
     "creates": "VPC + endpoints, KMS key, bucket, roles, notebook instances, corrective function, training jobs",
     "minutes": "25", "aws cost": "≈ $0.08/h for the endpoints; the last cell deletes everything"},
    {"lab": "07 reward practice track", "creates": "nothing (trains on this CPU; the solution checks the function)",
     "minutes": "20", "aws cost": "$0"},
    {"lab": "99 cleanup", "creates": "nothing: deletes what the labs made, by tag", "minutes": "10",
     "aws cost": "$0 (stops the costs)"},
]


# -- versions and identity ----------------------------------------------------------------------------
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


# -- limits -------------------------------------------------------------------------------------------
def _ask(fn: Callable[[], Any]) -> tuple[Any, dict[str, str] | None]:
    """(answer, None), or (None, the value and status to show) when the service does not answer."""
    try:
        return fn(), None
    except ClientError as exc:
        err = exc.response.get("Error", {})
        if str(err.get("Code")) in ("404", "NotImplemented", "InternalFailure", "500"):
            return None, {"value": "not implemented by the local emulator (checked in aws mode)", "status": "n/a"}
        return None, {"value": f"{err.get('Code')}: {err.get('Message', '')}"[:120], "status": "check"}
    except Exception as exc:  # noqa: BLE001 - the emulator lacks some APIs; say so, do not crash
        return None, {"value": f"not available here ({type(exc).__name__})", "status": "n/a"}


def _probe(fn: Callable[[], Any], describe: Callable[[Any], str]) -> dict[str, str]:
    answer, failed = _ask(fn)
    return failed or {"value": describe(answer), "status": "ok"}


def deployment_row(session, event: str) -> tuple[dict[str, str], dra.Deployment | None]:
    """The event's DeepRacer on AWS deployment (found by the namespace lab 01 gives it), and the row saying so."""
    try:
        namespace = dra.namespace_for(event)
    except ValueError as exc:
        return {"limit": "DeepRacer on AWS deployment", "value": str(exc), "status": "check"}, None
    limit = f"DeepRacer on AWS deployment (namespace {namespace})"
    found, failed = _ask(lambda: dra.find_deployment(session, namespace))
    if failed:
        return {"limit": limit, **failed}, None
    if found is None:
        return {"limit": limit, "value": "not deployed yet: lab 01 launches it", "status": "info"}, None
    healthy = found.status.endswith("_COMPLETE") and "ROLLBACK" not in found.status
    return {"limit": limit, "value": f"{found.stack_name} ({found.status}), site "
                                     f"{found.site_url or 'not in the outputs'}",
            "status": "ok" if healthy else "check"}, found


def training_row(session) -> dict[str, str]:
    """Concurrent SageMaker training jobs on the solution's instance type: every racer's training and
    evaluation share them (capacity.training_slots reads Service Quotas, else gives the guide's default)."""
    limit = f"SageMaker training jobs at once ({dra.TRAINING_INSTANCE_TYPE}, quota {dra.TRAINING_QUOTA_CODE})"
    answer, failed = _ask(lambda: capacity.training_slots(session))
    if failed:
        return {"limit": limit, **failed}
    slots, source = answer
    if not source.startswith("Service Quotas"):  # not answered: the documented default, labelled as such
        return {"limit": limit, "value": f"{slots} assumed: {source}",
                "status": "info" if session.local else "check"}
    if slots < 1:
        return {"limit": limit, "value": f"{slots} ({source}): no training job can start; request an increase",
                "status": "check"}
    return {"limit": limit, "value": f"{slots}, shared by every racer's training and evaluation ({source})",
            "status": "ok"}


def _check_racers(racers_expected) -> None:
    if isinstance(racers_expected, bool) or not isinstance(racers_expected, numbers.Integral) or racers_expected < 1:
        raise ValueError(f"racers_expected must be a whole number of at least 1 (got {racers_expected!r})")


def email_need(racers_expected: int, invitations_via: str) -> dict[str, int]:
    """Mails a day if every racer registers the same day: the solution's invitation (Cognito's sender or SES)
    plus lab 02's event email (always SES)."""
    return {"Cognito default": racers_expected if invitations_via == "Cognito default" else 0,
            "SES": racers_expected * (1 if invitations_via == "Cognito default" else 2)}


def email_capacity_row(racers_expected: int, invitations_via: str, ses_per_day: int | None) -> dict[str, str]:
    """Whether the expected racers can be mailed in a day; pure, so the decision is testable on its own."""
    _check_racers(racers_expected)
    need = email_need(racers_expected, invitations_via)
    limit = f"emails a day for {racers_expected} racers"
    via = ("invitations from Cognito's default sender" if invitations_via == "Cognito default" else
           "invitations through SES" + (f" (more than Cognito's {dra.COGNITO_DAILY_EMAILS} a day)"
                                        if racers_expected > dra.COGNITO_DAILY_EMAILS else ""))
    if ses_per_day is None:
        return {"limit": limit, "value": f"{via}; SES quota unknown (its account did not answer)", "status": "check"}
    problems = []
    if need["Cognito default"] > dra.COGNITO_DAILY_EMAILS:
        problems.append(f"{need['Cognito default']} invitations > Cognito's {dra.COGNITO_DAILY_EMAILS} a day")
    if ses_per_day >= 0 and need["SES"] > ses_per_day:  # -1: unlimited
        problems.append(f"{need['SES']} SES mails > the SES quota of {ses_per_day} a day")
    sent = (f"{need['Cognito default']} via Cognito (max {dra.COGNITO_DAILY_EMAILS}) + {need['SES']} via SES"
            if need["Cognito default"] else f"{need['SES']} via SES")
    sent += f" (max {ses_per_day})" if ses_per_day >= 0 else " (no SES limit)"
    if problems:
        return {"limit": limit, "value": f"{via}: {'; '.join(problems)}: raise the SES quota or invite over "
                                         "several days", "status": "check"}
    return {"limit": limit, "value": f"{via}: {sent}", "status": "ok"}


def email_rows(session, racers_expected: int, deployment: dra.Deployment | None = None) -> list[dict[str, str]]:
    """The SES account (production access), then the event's daily mail against what can be sent.

    Labs 01-02 switch the user pool to SES when more than Cognito's 50 invitations a day are expected;
    a pool that already sends through SES is read from the deployment (capacity.email_capacity)."""
    _check_racers(racers_expected)
    account, failed = _ask(lambda: session.client("sesv2").get_account())
    if failed:
        ses_row, per_day = {"limit": "SES account", **failed}, None
    else:
        per_day = int((account.get("SendQuota") or {}).get("Max24HourSend", 0))
        production = bool(account.get("ProductionAccessEnabled"))
        sending = account.get("SendingEnabled", True)
        ses_row = {"limit": "SES account", "value": f"{per_day} emails a day; production access: "
                   f"{'yes' if production else 'no (sandbox: verified addresses only; request production access)'}"
                   + ("" if sending else "; sending is paused for this account (see the SES console)"),
                   "status": "ok" if production and sending else "check"}
    pool_on_ses = False
    if deployment is not None:
        answer, _ = _ask(lambda: capacity.email_capacity(session, deployment))
        pool_on_ses = bool(answer) and answer[0] == "SES"
    via = "SES" if pool_on_ses or racers_expected > dra.COGNITO_DAILY_EMAILS else "Cognito default"
    return [ses_row, email_capacity_row(racers_expected, via, per_day)]


def account_limits(session, event: str, *, racers_expected: int) -> list[dict[str, str]]:
    """The limits the labs run into, read from the services: rows of {"limit", "value", "status"}."""
    lam, sso = session.client("lambda"), session.client("sso-admin")
    rows = [
        {"limit": "Lambda concurrent executions", **_probe(
            lambda: lam.get_account_settings(), lambda r: str(r["AccountLimit"]["ConcurrentExecutions"]))},
        {"limit": "IAM Identity Center instance", **_probe(
            lambda: sso.list_instances(),
            lambda r: r["Instances"][0]["IdentityStoreId"] if r.get("Instances") else "none: enable it first")},
    ]
    if rows[-1]["value"] == "none: enable it first":
        rows[-1]["status"] = "check"
    found, deployment = deployment_row(session, event)
    rows += [found, training_row(session), *email_rows(session, racers_expected, deployment)]
    return rows


def to_check(rows: list[dict[str, str]]) -> list[str]:
    return [r["limit"] for r in rows if r["status"] == "check"]


# -- permissions --------------------------------------------------------------------------------------
def check_permissions(session) -> list[dict[str, str]]:
    """aws mode: simulate every required action for the caller; report decisions by action name."""
    if session.local:
        return [{"lab": lab, "action": a, "decision": "not simulated offline"}
                for lab, actions in REQUIRED_ACTIONS.items() for a in dict.fromkeys(actions)]
    arn = caller(session)["arn"]
    if ":assumed-role/" in arn:  # simulate the role, not the session
        parts = arn.split(":assumed-role/")[1].split("/")
        arn = f"arn:aws:iam::{session.account_id}:role/{parts[0]}"
    iam = session.client("iam")
    rows = []
    for lab, actions in REQUIRED_ACTIONS.items():
        names = list(dict.fromkeys(actions))
        try:
            for page in iam.get_paginator("simulate_principal_policy").paginate(PolicySourceArn=arn,
                                                                                 ActionNames=names):
                rows += [{"lab": lab, "action": r["EvalActionName"], "decision": r["EvalDecision"]}
                         for r in page["EvaluationResults"]]
        except ClientError as exc:  # e.g. no iam:SimulatePrincipalPolicy: say so for each action
            code = exc.response.get("Error", {}).get("Code", "error")
            rows += [{"lab": lab, "action": a, "decision": f"not simulated ({code})"} for a in names]
    return rows


def denied(rows: list[dict[str, str]]) -> list[str]:
    """Actions the simulator refused (implicitDeny / explicitDeny)."""
    return [r["action"] for r in rows if r["decision"].endswith("Deny")]


def permission_summary(rows: list[dict[str, str]]) -> str:
    missing = denied(rows)
    unsimulated = [r for r in rows if r["decision"].startswith("not simulated (")]
    line = f"{len(rows)} actions checked; denied: {', '.join(sorted(set(missing))) or 'none'}"
    if unsimulated:
        line += f"; {len(unsimulated)} could not be simulated ({unsimulated[0]['decision'][15:-1]})"
    return line
