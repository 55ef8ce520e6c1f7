"""Provisioning function: DynamoDB Stream of new racers -> identity + email.

For each new registration (an INSERT record) it
  1. creates the racer in the identity store, or finds them if they exist;
  2. adds them to the event's racer group (the group whose permission set
     grants AWSDeepRacerDefaultMultiUserAccess);
  3. emails them once: confirmation, the access portal URL, the race URL
     when the organiser has set one;
and records the racer's status: registered -> provisioned -> notified, or
failed with the reason.

Idempotent by construction: a redelivered record finds the existing user and
membership, and the email is claimed with a conditional write (with a lease,
so a crash between claim and send is retried later) before it is sent.

Failures: records are processed in order; at the first failure the function
reports that record in `batchItemFailures`, so Lambda retries from there and,
when retries run out, parks the records in the on-failure queue.

Environment: RACERS_TABLE, EVENT_TABLE, EVENT_NAME, IDENTITY_STORE_ID,
GROUP_ID, SENDER, ACCESS_PORTAL_URL.
"""
from __future__ import annotations

import json
import os
import time

import boto3
from boto3.dynamodb.types import TypeDeserializer
from botocore.config import Config
from botocore.exceptions import ClientError

_CFG = Config(retries={"mode": "standard", "max_attempts": 3})
_DDB = boto3.client("dynamodb", config=_CFG)
_IDS = boto3.client("identitystore", config=_CFG)
_SES = boto3.client("sesv2", config=_CFG)
_DESER = TypeDeserializer()
CLAIM_LEASE_SECONDS = 120


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


def _provision_and_claim_mail(email: str, user_id: str) -> bool:
    """Record `provisioned` and take the right to send the mail in one write.

    Returns False when the mail is already sent or being sent by another
    delivery. (`status_reason` keeps the last failure, if any, as history.)"""
    now = time.time()
    try:
        _DDB.update_item(
            TableName=_env("RACERS_TABLE"), Key={"email": {"S": email}},
            UpdateExpression="SET #s = :p, user_id = :u, provisioned_at = :t, mail_claim_until = :until",
            ConditionExpression="attribute_not_exists(mail_sent_at) AND "
                                "(attribute_not_exists(mail_claim_until) OR mail_claim_until < :t)",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":p": {"S": "provisioned"}, ":u": {"S": user_id},
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


def compose_mail(alias: str, event_name: str, portal_url: str, race_url: str | None) -> tuple[str, str, str]:
    subject = f"You're in: {event_name} registration confirmed"
    race = (f"Your race: {race_url}\n" if race_url else
            "Race link: we'll email it to you as soon as the race opens.\n")
    text = (f"Hi {alias},\n\n"
            f"your registration for {event_name} is confirmed.\n\n"
            f"Sign in here with your enterprise credentials: {portal_url}\n"
            f"Then open AWS DeepRacer from the access portal to start training.\n"
            f"{race}\n"
            "Training hours for this event are paid by the organiser, within your quota.\n\n"
            "See you on the track!\n")
    html_race = f'<a href="{race_url}">{race_url}</a>' if race_url else "coming soon"
    html = (f"<p>Hi {alias},</p><p>your registration for <b>{event_name}</b> is confirmed.</p>"
            f'<p><a href="{portal_url}">Sign in to the AWS access portal</a> with your enterprise credentials, '
            f"then open AWS DeepRacer.</p><p>Your race: {html_race}</p><p>See you on the track!</p>")
    return subject, text, html


def _notify(email: str, alias: str, config: dict) -> str:
    try:
        subject, text, html = compose_mail(
            alias, os.environ.get("EVENT_NAME", "the DeepRacer event"),
            _env("ACCESS_PORTAL_URL"), config.get("race_url") or None)
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
        user_id, created = ensure_user(email, alias)
        ensure_membership(user_id, created)
    except ClientError as exc:
        err = exc.response.get("Error", {})
        _set_status(email, "failed", f"identity provider: {err.get('Code')}: {err.get('Message', '')}")
        raise
    if not _provision_and_claim_mail(email, user_id):
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
