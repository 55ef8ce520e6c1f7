"""DeepRacer on AWS, the platform events run on since the DeepRacer console was retired (end of 2025).

Shared by the event lab (01), registration (02) and the practice track: find
or launch the solution's CloudFormation stack in the account, read its
outputs, sign in to it and get a signed API client (`client.DeepRacerApi`).
The same calls run in both modes; in local mode the emulator's stand-in
answers them (helpers/emulator/deepracer_on_aws.py).

Facts used here, with where they come from (read 2026-12-02):
* template parameters `AdminEmail`, `Namespace` (3-12 lowercase letters and
  digits), `CustomDomain`; outputs `ApiEndpoint` and, under the user-pool
  construct, the user pool, client and identity pool ids (CDK adds a hash to
  nested output names, so they are matched by name inside the key):
  source/apps/infra/lib/stacks/deepRacerIndyStack.ts, constructs/auth/userIdentity.ts;
* the launch template's URL follows AWS Solutions' published layout
  (`TEMPLATE_URL`); check it against the solution's page before an event;
* email: Cognito's default sender allows 50 mails a day per account; SES
  (a verified identity, production access) lifts it: the solution's README.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from helpers.deepracer_on_aws.client import (MODEL, OPERATIONS, ApiError, Credentials, DeepRacerApi,
                                             SignInError, sign_in)

TEMPLATE_URL = "https://solutions-reference.s3.amazonaws.com/deepracer-on-aws/latest/deepracer-on-aws.template"
SOLUTION_REPO = "https://github.com/aws-solutions/deepracer-on-aws"
COGNITO_DAILY_EMAILS = 50
TRAINING_INSTANCE_TYPE = MODEL["template"]["trainingInstanceType"]
TRAINING_QUOTA_CODE = MODEL["template"]["trainingQuotaCode"]
GROUPS = tuple(MODEL["constraints"]["UserGroups"])

__all__ = ["ApiError", "Credentials", "DeepRacerApi", "Deployment", "SignInError", "TEMPLATE_URL", "GROUPS",
           "OPERATIONS", "find_deployment", "launch", "namespace_for", "local_user", "sign_in_as", "race_url", "stack_name"]


@dataclass(frozen=True)
class Deployment:
    """One deployment of the solution, from its stack."""

    stack_name: str
    namespace: str
    region: str
    api_url: str
    user_pool_id: str
    client_id: str
    identity_pool_id: str
    site_url: str
    status: str

    @classmethod
    def from_stack(cls, stack: dict, region: str) -> "Deployment":
        params = {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        return cls(stack_name=stack["StackName"], namespace=params.get("Namespace", ""), region=region,
                   api_url=_output(outputs, "ApiEndpoint"), user_pool_id=_output(outputs, "UserPoolId"),
                   client_id=_output(outputs, "UserPoolClientId"), identity_pool_id=_output(outputs, "IdentityPoolId"),
                   site_url=_site(outputs), status=stack.get("StackStatus", ""))


def _output(outputs: dict[str, str], name: str) -> str:
    """The output whose key is `name` or holds it (CDK: `UserPoolUserPoolId5E7B...`), not a longer name."""
    if name in outputs:
        return outputs[name]
    longer = {"UserPoolId": ("UserPoolClientId",), "ApiEndpoint": ()}.get(name, ())
    for key, value in outputs.items():
        if name in key and not any(other in key for other in longer):
            return value
    return ""


def _site(outputs: dict[str, str]) -> str:
    for key, value in outputs.items():
        if "CloudFront" in key or "Website" in key:
            return value if value.startswith("http") else f"https://{value}"
    return ""


def namespace_for(event: str) -> str:
    """The solution's Namespace parameter (3-12 lowercase letters and digits) for an event name: every
    lab that looks for the event's deployment derives it the same way."""
    ns = "".join(ch for ch in event.lower() if ch.isalnum())[:12]
    if len(ns) < 3:
        raise ValueError(f"event {event!r} gives the namespace {ns!r}: it needs at least 3 letters or digits")
    return ns


def stack_name(namespace: str) -> str:
    return f"deepracer-on-aws-{namespace}"


def find_deployment(session, namespace: str) -> Deployment | None:
    """The stack whose Namespace parameter is `namespace` and that has the solution's API output."""
    cfn = session.client("cloudformation")
    for page in cfn.get_paginator("describe_stacks").paginate():
        for stack in page["Stacks"]:
            if stack.get("StackStatus", "").startswith("DELETE"):
                continue
            dep = Deployment.from_stack(stack, session.region)
            if dep.namespace == namespace and dep.api_url:
                return dep
    return None


def launch(session, namespace: str, admin_email: str, *, template_url: str = TEMPLATE_URL,
           custom_domain: str = "", timeout_minutes: int = 90) -> Deployment:
    """Create the solution's stack and wait for it (the real one takes about half an hour: it copies
    container images into the account's ECR first). Tags: the session's event tags."""
    cfn = session.client("cloudformation")
    name = stack_name(namespace)
    cfn.create_stack(
        StackName=name, TemplateURL=template_url,
        Parameters=[{"ParameterKey": "AdminEmail", "ParameterValue": admin_email},
                    {"ParameterKey": "Namespace", "ParameterValue": namespace},
                    {"ParameterKey": "CustomDomain", "ParameterValue": custom_domain}],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
        Tags=session.tag_list)
    cfn.get_waiter("stack_create_complete").wait(
        StackName=name, WaiterConfig={"Delay": 2 if session.local else 30,
                                      "MaxAttempts": max(1, timeout_minutes * (30 if session.local else 2))})
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    return Deployment.from_stack(stack, session.region)


def sign_in_as(session, deployment: Deployment, username: str, password: str,
               new_password: str | None = None) -> DeepRacerApi:
    """A signed client for this user; it signs in again by itself when the hour's credentials run out."""
    def credentials() -> Credentials:
        return sign_in(session.client("cognito-idp"), session.client("cognito-identity"),
                       client_id=deployment.client_id, user_pool_id=deployment.user_pool_id,
                       identity_pool_id=deployment.identity_pool_id, region=deployment.region,
                       username=username, password=new_password or password,
                       new_password=None)

    first = sign_in(session.client("cognito-idp"), session.client("cognito-identity"),
                    client_id=deployment.client_id, user_pool_id=deployment.user_pool_id,
                    identity_pool_id=deployment.identity_pool_id, region=deployment.region,
                    username=username, password=password, new_password=new_password)
    return DeepRacerApi(deployment.api_url, deployment.region, first, refresh=credentials)


def race_url(deployment: Deployment, leaderboard_id: str) -> str:
    """Where racers open a race in the solution's website."""
    return f"{deployment.site_url.rstrip('/')}/leaderboards/{leaderboard_id}"


def wait_until(predicate, timeout: float = 30, poll: float = 0.2) -> Any:
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value or time.time() > deadline:
            return value
        time.sleep(poll)


def use_ses(session, deployment: Deployment, sender: str) -> dict:
    """Send the user pool's invitations through SES from `sender` instead of Cognito's 50-a-day default.

    The address (or its domain) must be a verified SES identity, and the account out of the SES sandbox
    to mail people who are not verified themselves (production access: a request to AWS, a day or so).
    UpdateUserPool resets what it is not given, so the pool's mutable settings are passed back with the
    new email configuration. Returns the pool's EmailConfiguration as Cognito holds it."""
    idp = session.client("cognito-idp")
    pool = idp.describe_user_pool(UserPoolId=deployment.user_pool_id)["UserPool"]
    keep = ("Policies", "DeletionProtection", "LambdaConfig", "AutoVerifiedAttributes", "SmsVerificationMessage",
            "EmailVerificationMessage", "EmailVerificationSubject", "VerificationMessageTemplate",
            "SmsAuthenticationMessage", "UserAttributeUpdateSettings", "MfaConfiguration", "DeviceConfiguration",
            "SmsConfiguration", "UserPoolTags", "AdminCreateUserConfig", "UserPoolAddOns",
            "AccountRecoverySetting")
    settings = {k: pool[k] for k in keep if k in pool}
    arn = f"arn:aws:ses:{session.region}:{session.account_id}:identity/{sender}"
    idp.update_user_pool(UserPoolId=deployment.user_pool_id, **settings, EmailConfiguration={
        "EmailSendingAccount": "DEVELOPER", "SourceArn": arn, "From": sender})
    return idp.describe_user_pool(UserPoolId=deployment.user_pool_id)["UserPool"]["EmailConfiguration"]


def invitation(session, email: str) -> tuple[str, str]:
    """(user name, temporary password) from the newest invitation to `email` in the local outbox.

    What a racer reads in their inbox; local mode only (aws mode mails real people)."""
    import re

    for mail in reversed(session.outbox.list(to=email)):
        text = mail.text or mail.html
        password = re.search(r"temporary password is:?\s*(\S+?)(?:<|\s|$)", text)
        username = re.search(r"Account ID:\s*(\S+?)(?:<|\s|$)", text) or re.search(r"username is (\S+)", text)
        if password:
            return (username.group(1) if username else email), password.group(1)
    raise LookupError(f"no invitation to {email} in the outbox")


def ensure_service_user(session, deployment: Deployment, secret_name: str) -> str:
    """A user-pool user for automation (the registration function), in the admin group, with a random
    name and password kept in Secrets Manager under `secret_name`; created once, found after.

    Created with the user pool's admin API (no invitation mail: nobody reads it) and a permanent
    password, so it signs in without the first-sign-in challenge. Returns the secret's ARN."""
    import json
    import secrets as _secrets
    import string

    sm, idp = session.client("secretsmanager"), session.client("cognito-idp")
    try:
        found = sm.describe_secret(SecretId=secret_name)
        stored = json.loads(sm.get_secret_value(SecretId=secret_name)["SecretString"])
        if stored.get("user_pool_id") == deployment.user_pool_id:
            try:
                idp.admin_get_user(UserPoolId=deployment.user_pool_id, Username=stored["username"])
                return found["ARN"]
            except idp.exceptions.UserNotFoundException:
                pass
    except sm.exceptions.ResourceNotFoundException:
        found = None
    alphabet = string.ascii_letters + string.digits
    username = "".join(_secrets.choice(alphabet) for _ in range(15))  # like the solution's own user names
    password = "".join(_secrets.choice(alphabet) for _ in range(24)) + "-Aa1!"
    idp.admin_create_user(UserPoolId=deployment.user_pool_id, Username=username, MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=deployment.user_pool_id, Username=username, Password=password,
                                Permanent=True)
    idp.admin_add_user_to_group(UserPoolId=deployment.user_pool_id, Username=username, GroupName="dr-admins")
    value = json.dumps({"username": username, "password": password, "user_pool_id": deployment.user_pool_id})
    if found is None:
        return sm.create_secret(Name=secret_name, SecretString=value, Tags=session.tag_list,
                                Description="DeepRacer on AWS service user (the registration function)")["ARN"]
    sm.put_secret_value(SecretId=secret_name, SecretString=value)
    return found["ARN"]


def local_user(session, deployment: Deployment, username: str, group: str = "dr-racers") -> str:
    """Local mode only: a user of the stand-in's pool in `group`, with a fresh permanent password
    (returned), created with the pool's admin API and no invitation mail.

    For a notebook that must run alone offline (the practice track's hand-off) and needs someone to
    sign in as; in aws mode people sign in as themselves, so this refuses."""
    import secrets as _secrets
    import string

    if not session.local:
        raise RuntimeError("local_user is for local mode: in aws mode sign in with your own DeepRacer on AWS user")
    if group not in GROUPS:
        raise ValueError(f"group {group!r} is not one of the solution's groups: {', '.join(GROUPS)}")
    idp = session.client("cognito-idp")
    try:
        idp.admin_get_user(UserPoolId=deployment.user_pool_id, Username=username)
    except idp.exceptions.UserNotFoundException:
        idp.admin_create_user(UserPoolId=deployment.user_pool_id, Username=username, MessageAction="SUPPRESS")
    alphabet = string.ascii_letters + string.digits
    password = "".join(_secrets.choice(alphabet) for _ in range(24)) + "-Aa1!"
    idp.admin_set_user_password(UserPoolId=deployment.user_pool_id, Username=username, Password=password,
                                Permanent=True)
    idp.admin_add_user_to_group(UserPoolId=deployment.user_pool_id, Username=username, GroupName=group)
    return password
