"""Provisioning function: DynamoDB Stream of new racers -> DeepRacer on AWS + identity + email.

For each new registration (an INSERT record) it
  1. makes the racer a user of the event's DeepRacer on AWS deployment:
     `CreateProfile` (the solution emails the invitation with a temporary
     password), unless the racer is already there (found in the solution's
     user pool by email: a bulk invitation did it, or a redelivery);
  2. creates the racer in the identity store, or finds them, and adds them to
     the event's group (IAM Identity Center: SageMaker Studio for the labs);
  3. emails them once: confirmation, the solution's site, the race URL when
     the organiser has set one;
and records the racer's status on the roster: registered -> provisioned
(with the solution's profile id) -> notified, or failed with the reason.

Idempotent by construction: a redelivered record finds the existing profile
(a "user already exists" answer from CreateProfile means exactly that, never
a second invitation), user and membership, and the email is claimed with a
conditional write (with a lease, so a crash between claim and send is
retried later) before it is sent.

Failures: records are processed in order; at the first failure the function
reports that record in `batchItemFailures`, so Lambda retries from there and,
when retries run out, parks the records in the on-failure queue.

Calling the solution: its API takes SigV4-signed requests from identity-pool
credentials of a user-pool user, so the function signs in as the event's
service user, whose name and password are in Secrets Manager
(DEEPRACER_SECRET), and keeps the credentials while the container is warm.

Environment: RACERS_TABLE, EVENT_TABLE, EVENT_NAME, IDENTITY_STORE_ID,
GROUP_ID, SENDER, SITE_URL, DEEPRACER_API_URL, DEEPRACER_USER_POOL_ID,
DEEPRACER_CLIENT_ID, DEEPRACER_IDENTITY_POOL_ID, DEEPRACER_SECRET.
"""
from __future__ import annotations

import json
import os
import time

import boto3
from boto3.dynamodb.types import TypeDeserializer
from botocore.config import Config
from botocore.exceptions import ClientError

try:  # inside the deployment package
    from deepracer_api import ApiError, DeepRacerApi, sign_in
except ImportError:  # imported from the helpers package (tests)
    from helpers.deepracer_on_aws.client import ApiError, DeepRacerApi, sign_in

_CFG = Config(retries={"mode": "standard", "max_attempts": 3})
_DDB = boto3.client("dynamodb", config=_CFG)
_IDS = boto3.client("identitystore", config=_CFG)
_SES = boto3.client("sesv2", config=_CFG)
_IDP = boto3.client("cognito-idp", config=_CFG)
_COGNITO_IDENTITY = boto3.client("cognito-identity", config=_CFG)
_SECRETS = boto3.client("secretsmanager", config=_CFG)
_DESER = TypeDeserializer()
CLAIM_LEASE_SECONDS = 120
_api: dict = {}


class PermanentError(Exception):
    """A record that no retry can fix (it is parked after the retries)."""


def _env(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise PermanentError(f"function is misconfigured: environment variable {name} is empty")
    return value


def _image(record: dict) -> dict:
    image = (record.get("dynamodb") or {}).get("NewImage") or {}
    return {k: _DESER.deserialize(v) for k, v in image.items()}


def _set_status(email: str, status: str, reason: str = "", **extra) -> None:
    names = {"#s": "status"}
    values = {":s": {"S": status}, ":t": {"N": f"{time.time():.6f}"}, ":r": {"S": reason[:500]}}
    sets = ["#s = :s", "updated_at = :t", "status_reason = :r"]
    for i, (key, val) in enumerate(extra.items()):
        sets.append(f"{key} = :x{i}")
        values[f":x{i}"] = {"N": f"{val:.6f}"} if isinstance(val, float) else {"S": str(val)}
    _DDB.update_item(TableName=_env("RACERS_TABLE"), Key={"email": {"S": email}},
                     UpdateExpression="SET " + ", ".join(sets),
                     ExpressionAttributeNames=names, ExpressionAttributeValues=values)


# -- DeepRacer on AWS ------------------------------------------------------------------------------
def _deepracer() -> DeepRacerApi:
    """The signed client, made on first use and kept while the container is warm (it signs in again
    by itself when the hour's credentials run out)."""
    if "api" not in _api:
        secret = json.loads(_SECRETS.get_secret_value(SecretId=_env("DEEPRACER_SECRET"))["SecretString"])
        region = os.environ.get("AWS_REGION", "us-east-1")

        def credentials():
            return sign_in(_IDP, _COGNITO_IDENTITY, client_id=_env("DEEPRACER_CLIENT_ID"),
                           user_pool_id=_env("DEEPRACER_USER_POOL_ID"),
                           identity_pool_id=_env("DEEPRACER_IDENTITY_POOL_ID"), region=region,
                           username=secret["username"], password=secret["password"])

        _api["api"] = DeepRacerApi(_env("DEEPRACER_API_URL"), region, credentials(), refresh=credentials)
    return _api["api"]


def find_profile_id(email: str) -> str | None:
    """The racer's profile id on the solution: the user-pool user with this email (the solution names
    users by their profile id). Cheaper than listing every profile, and what CreateProfile checks too."""
    users = _IDP.list_users(UserPoolId=_env("DEEPRACER_USER_POOL_ID"), Filter=f'email = "{email}"',
                            Limit=2).get("Users", [])
    return users[0]["Username"] if users else None


def ensure_profile(email: str) -> tuple[str, bool]:
    """(profile id, invited now): CreateProfile once; an existing user means "already there"."""
    existing = find_profile_id(email)
    if existing:
        return existing, False
    try:
        _deepracer().create_profile(email)
        invited = True
    except ApiError as exc:
        if not exc.already_exists:
            raise
        invited = False
    profile_id = find_profile_id(email)
    if not profile_id:
        raise RuntimeError(f"DeepRacer on AWS accepted {email} but its user pool has no such user yet")
    return profile_id, invited


def ensure_user(email: str, alias: str) -> tuple[str, bool]:
    """The racer's user id in the identity store, and whether it was just created."""
    store = _env("IDENTITY_STORE_ID")
    try:
        return _IDS.create_user(
            IdentityStoreId=store, UserName=email, DisplayName=alias,
            Name={"GivenName": alias, "FamilyName": "Racer"},
            Emails=[{"Value": email, "Type": "work", "Primary": True}],
        )["UserId"], True
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConflictException":
            raise
    return _IDS.get_user_id(IdentityStoreId=store, AlternateIdentifier={
        "UniqueAttribute": {"AttributePath": "userName", "AttributeValue": email}})["UserId"], False


def ensure_membership(user_id: str, new_user: bool) -> None:
    store, group = _env("IDENTITY_STORE_ID"), _env("GROUP_ID")
    if not new_user:  # a user created a moment ago cannot be a member yet
        try:
            _IDS.get_group_membership_id(IdentityStoreId=store, GroupId=group, MemberId={"UserId": user_id})
            return
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceNotFoundException":
                raise
    try:
        _IDS.create_group_membership(IdentityStoreId=store, GroupId=group, MemberId={"UserId": user_id})
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConflictException":
            raise


def _provision_and_claim_mail(email: str, user_id: str, profile_id: str, invited: bool) -> bool:
    """Record `provisioned` and take the right to send the mail in one write.

    Returns False when the mail is already sent or being sent by another
    delivery. (`status_reason` keeps the last failure, if any, as history.)"""
    now = time.time()
    try:
        _DDB.update_item(
            TableName=_env("RACERS_TABLE"), Key={"email": {"S": email}},
            UpdateExpression="SET #s = :p, user_id = :u, profile_id = :pid, deepracer = :dr, provisioned_at = :t, "
                             "mail_claim_until = :until",
            ConditionExpression="attribute_not_exists(mail_sent_at) AND "
                                "(attribute_not_exists(mail_claim_until) OR mail_claim_until < :t)",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":p": {"S": "provisioned"}, ":u": {"S": user_id},
                                       ":pid": {"S": profile_id},
                                       ":dr": {"S": "invited" if invited else "already there"},
                                       ":t": {"N": f"{now:.6f}"},
                                       ":until": {"N": f"{now + CLAIM_LEASE_SECONDS:.6f}"}})
        return True
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
    return False


def _release_mail_claim(email: str) -> None:
    _DDB.update_item(TableName=_env("RACERS_TABLE"), Key={"email": {"S": email}},
                     UpdateExpression="REMOVE mail_claim_until")


def _event_config() -> dict:
    table = os.environ.get("EVENT_TABLE")
    if not table:
        return {}
    item = _DDB.get_item(TableName=table, Key={"pk": {"S": "EVENT"}}).get("Item", {})
    return {k: _DESER.deserialize(v) for k, v in item.items()}


def compose_mail(alias: str, event_name: str, site_url: str, race_url: str | None) -> tuple[str, str, str]:
    """The event's own email (the solution sends its invitation with the temporary password separately)."""
    subject = f"You're in: {event_name} registration confirmed"
    race = (f"Your race: {race_url}\n" if race_url else
            "Race link: we'll email it to you as soon as the race opens.\n")
    text = (f"Hi {alias},\n\n"
            f"your registration for {event_name} is confirmed.\n\n"
            f"The event runs on DeepRacer on AWS: {site_url}\n"
            "Sign in there with your enterprise account, or with the temporary password from the email "
            "'Welcome to DeepRacer on AWS' (you choose your own password at the first sign-in).\n"
            f"{race}\n"
            "Training time for this event is paid by the organiser, within your quota.\n\n"
            "See you on the track!\n")
    html_race = f'<a href="{race_url}">{race_url}</a>' if race_url else "coming soon"
    html = (f"<p>Hi {alias},</p><p>your registration for <b>{event_name}</b> is confirmed.</p>"
            f'<p>The event runs on <a href="{site_url}">DeepRacer on AWS</a>: sign in with your enterprise '
            "account, or with the temporary password from the email <i>Welcome to DeepRacer on AWS</i>.</p>"
            f"<p>Your race: {html_race}</p><p>See you on the track!</p>")
    return subject, text, html


def _notify(email: str, alias: str, config: dict) -> str:
    try:
        subject, text, html = compose_mail(
            alias, os.environ.get("EVENT_NAME", "the DeepRacer event"),
            config.get("solution_url") or _env("SITE_URL"), config.get("race_url") or None)
        message_id = _SES.send_email(
            FromEmailAddress=_env("SENDER"),
            Destination={"ToAddresses": [email]},
            Content={"Simple": {"Subject": {"Data": subject},
                                "Body": {"Text": {"Data": text}, "Html": {"Data": html}}}},
            EmailTags=[{"Name": "purpose", "Value": "registration"}],
        )["MessageId"]
    except Exception:
        _release_mail_claim(email)
        raise
    _DDB.update_item(TableName=_env("RACERS_TABLE"), Key={"email": {"S": email}},
                     UpdateExpression="SET #s = :n, mail_sent_at = :t, message_id = :m",
                     ExpressionAttributeNames={"#s": "status"},
                     ExpressionAttributeValues={":n": {"S": "notified"}, ":t": {"N": f"{time.time():.6f}"},
                                                ":m": {"S": message_id}})
    return message_id


def process(record: dict, config: dict) -> str:
    racer = _image(record)
    email, alias = racer.get("email"), racer.get("alias") or "racer"
    if not isinstance(email, str) or "@" not in email:
        raise PermanentError(f"record {record.get('eventID')} has no racer email")
    if racer.get("status") == "offboarded":
        return "offboarded"
    try:
        profile_id, invited = ensure_profile(email)
    except ApiError as exc:
        _set_status(email, "failed", f"DeepRacer on AWS: {exc.status} {exc.error_type}: {exc.message}")
        raise
    except ClientError as exc:
        err = exc.response.get("Error", {})
        _set_status(email, "failed", f"DeepRacer on AWS user pool: {err.get('Code')}: {err.get('Message', '')}")
        raise
    try:
        user_id, created = ensure_user(email, alias)
        ensure_membership(user_id, created)
    except ClientError as exc:
        err = exc.response.get("Error", {})
        _set_status(email, "failed", f"identity provider: {err.get('Code')}: {err.get('Message', '')}")
        raise
    if not _provision_and_claim_mail(email, user_id, profile_id, invited):
        return "mail already sent or being sent"
    try:
        _notify(email, alias, config)
    except ClientError as exc:
        err = exc.response.get("Error", {})
        _set_status(email, "failed", f"email: {err.get('Code')}: {err.get('Message', '')}")
        raise
    return "notified"


def handler(event, context):
    records = event.get("Records") or []
    config = _event_config() if any(r.get("eventName") == "INSERT" for r in records) else {}
    for record in records:
        if record.get("eventName") != "INSERT":
            continue  # our own status updates also flow through the stream
        seq = (record.get("dynamodb") or {}).get("SequenceNumber")
        try:
            outcome = process(record, config)
            print(json.dumps({"seq": seq, "outcome": outcome}))
        except Exception as exc:  # noqa: BLE001 - reported to Lambda, retried, then parked
            print(f"[ERROR] record {seq}: {type(exc).__name__}: {exc}")
            return {"batchItemFailures": [{"itemIdentifier": seq}]}
    return {"batchItemFailures": []}
