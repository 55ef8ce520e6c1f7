"""Registration API function (behind an API Gateway HTTP API, payload 2.0).

Routes:
  GET  /          the event portal page (a plain HTML form)
  POST /register  {"email", "alias", "experience"} as JSON or form data

Every request is validated (size, content type, fields, the enterprise
domain allow-list) and answered with a message a person can act on. A racer
is written once, with a conditional put; a second registration with the same
address gets 409 and the racer's current status, never a second record.

Every accepted registration spends one of the event's invitations, so each
source address may register at most SOURCE_LIMIT racers per
SOURCE_WINDOW_SECONDS (fixed windows): the count is one atomic conditional
update in SOURCE_LIMIT_TABLE, and over it the answer is 429 with
`Retry-After` (seconds to the window's end) and `retry_after` in the body.
Only registrations that are stored count: a bad request (400), a closed
event (403) and an address already registered (409, answered before the
count, or the count given back when a concurrent request won) spend
nothing. The source address is the TCP peer API Gateway saw
(`requestContext.http.sourceIp`, not a header a client can forge); IPv6
addresses count per /64, the block one household or host usually gets. The
table holds a hash of the address, never the address, and each counter
expires (TTL) after its window.

Environment: RACERS_TABLE, EVENT_TABLE, EVENT_NAME, ALLOWED_DOMAINS;
SOURCE_LIMIT_TABLE (no per-source limit without it), SOURCE_LIMIT (default
30; 0 pauses registration), SOURCE_WINDOW_SECONDS (default 600).
"""
from __future__ import annotations

import base64
import hashlib
import html
import ipaddress
import json
import math
import os
import time
from pathlib import Path
from urllib.parse import parse_qs

import boto3
from botocore.exceptions import ClientError

try:  # inside the deployment package
    from validation import RegistrationError, parse_domains, validate_registration
except ImportError:  # imported from the helpers package (tests)
    from .validation import RegistrationError, parse_domains, validate_registration

MAX_BODY = 4096
DEFAULT_SOURCE_LIMIT = 30
DEFAULT_SOURCE_WINDOW_SECONDS = 600
_clients: dict = {}
_now = time.time  # the clock of the per-source windows (tests replace it)


def _ddb():
    """The function's DynamoDB client, made on first use and reused while the container is warm.
    (Not at import: the bulk import imports `register` in a process with no Lambda environment.)"""
    if "dynamodb" not in _clients:
        _clients["dynamodb"] = boto3.client("dynamodb")
    return _clients["dynamodb"]

_PAGE = (Path(__file__).with_name("portal.html")).read_text(encoding="utf-8")


def _reply(status: int, body: dict) -> dict:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json", "cache-control": "no-store"},
        "body": json.dumps(body),
    }


def _error(status: int, field: str, message: str) -> dict:
    return _reply(status, {"ok": False, "error": {"field": field, "message": message}})


CONFIG_TTL_SECONDS = 5.0
_config_cache: dict = {"at": 0.0, "value": {}}


def _event_config() -> dict:
    """The organiser's settings, cached for a few seconds per warm container
    (closing registration takes effect within CONFIG_TTL_SECONDS)."""
    table = os.environ.get("EVENT_TABLE")
    if not table:
        return {}
    if time.time() - _config_cache["at"] > CONFIG_TTL_SECONDS:
        item = _ddb().get_item(TableName=table, Key={"pk": {"S": "EVENT"}}, ConsistentRead=True).get("Item", {})
        _config_cache.update(at=time.time(), value={k: list(v.values())[0] for k, v in item.items()})
    return _config_cache["value"]


def _portal(event_name: str) -> dict:
    page = _PAGE.replace("{{EVENT_NAME}}", html.escape(event_name))
    return {"statusCode": 200, "headers": {"content-type": "text/html; charset=utf-8"}, "body": page}


def _parse_body(event: dict) -> object:
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(raw).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            raise RegistrationError("body", "The request body must be UTF-8 text.")
    if len(raw.encode("utf-8")) > MAX_BODY:
        raise RegistrationError("body", f"The request is too large (at most {MAX_BODY} bytes).")
    ctype = (event.get("headers") or {}).get("content-type", "").split(";")[0].strip().lower()
    if ctype in ("application/json", ""):
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            raise RegistrationError("body", "The request body is not valid JSON.")
    if ctype == "application/x-www-form-urlencoded":
        fields = parse_qs(raw, keep_blank_values=True, max_num_fields=10)
        return {k: v[-1] for k, v in fields.items()}
    raise RegistrationError("content-type", "Send application/json or a form.")


def register(data: object, *, table: str, allowed: tuple[str, ...], source: str = "portal",
             client=None) -> dict:
    """Validate and store one racer; shared by the API and the bulk import (which passes its own client).

    Raises RegistrationError for bad input and ClientError
    ConditionalCheckFailedException when the address is already registered."""
    return _store(validate_registration(data, allowed), table=table, source=source, client=client)


def _store(racer: dict, *, table: str, source: str = "portal", client=None) -> dict:
    """Write one validated racer once (conditional put)."""
    now = time.time()
    item = {
        "email": {"S": racer["email"]},
        "alias": {"S": racer["alias"]},
        "experience": {"S": racer["experience"]},
        "status": {"S": "registered"},
        "source": {"S": source},
        "registered_at": {"N": f"{now:.6f}"},
        "updated_at": {"N": f"{now:.6f}"},
    }
    (client or _ddb()).put_item(TableName=table, Item=item, ConditionExpression="attribute_not_exists(email)")
    return racer


def handler(event, context):
    method = ((event.get("requestContext") or {}).get("http") or {}).get("method", "")
    path = ((event.get("requestContext") or {}).get("http") or {}).get("path", "/")
    event_name = os.environ.get("EVENT_NAME", "DeepRacer event")
    if method == "GET" and path in ("/", ""):
        return _portal(event_name)
    if not (method == "POST" and path.rstrip("/").endswith("/register")):
        return _error(404, "path", f"No route {method} {path}.")
    try:
        data = _parse_body(event)
        config = _event_config()
        if config.get("registration_open") is False or config.get("registration_open") == "false":
            return _error(403, "event", "Registration for this event is closed.")
        allowed = parse_domains(config.get("allowed_domains") or os.environ.get("ALLOWED_DOMAINS", ""))
        racer = validate_registration(data, allowed)
        table = os.environ["RACERS_TABLE"]
        already = _already_registered(table, racer["email"])
        if already is not None:
            return already
        limit = SourceLimit.from_env()
        slot = limit.take(_source_ip(event)) if limit else None
        if slot is not None and not slot.granted:
            return _too_many(limit, slot.retry_after)
        try:
            _store(racer, table=table)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException" and slot:
                limit.give_back(slot)  # a concurrent request registered this address first: not a registration
            raise
    except RegistrationError as exc:
        status = 413 if "too large" in exc.message else 415 if exc.field == "content-type" else 400
        return _error(status, exc.field, exc.message)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code == "ConditionalCheckFailedException":
            email = data.get("email", "").strip().casefold() if isinstance(data, dict) else ""
            return _already_registered(os.environ["RACERS_TABLE"], email, known=True)
        print(f"[ERROR] DynamoDB {code}: {exc}")
        return _error(503, "service", "Registration is busy right now; please try again in a minute.")
    print(json.dumps({"registered": racer["email"], "alias": racer["alias"]}))
    return _reply(201, {"ok": True, "racer": racer,
                        "message": f"Thanks {racer['alias']}! You are registered for {event_name}. "
                                   "Watch your inbox for the sign-in link."})


def _already_registered(table: str, email: str, known: bool = False) -> dict | None:
    """The 409 answer when `email` is on the roster (with the racer's status), else None.
    `known`: a conditional put just failed, so the racer is there even if this read misses it."""
    current = _ddb().get_item(TableName=table, Key={"email": {"S": email}}, ConsistentRead=True).get("Item")
    if current is None and not known:
        return None
    status = (current or {}).get("status", {}).get("S", "registered")
    return _reply(409, {"ok": False, "status": status, "error": {
        "field": "email",
        "message": f"This address is already registered (status: {status}). "
                   "Check your inbox for the sign-in link."}})


# -- the per-source limit -------------------------------------------------------------------
def _source_ip(event: dict) -> str:
    return (((event.get("requestContext") or {}).get("http") or {}).get("sourceIp") or "unknown").strip()


def source_key(ip: str) -> str:
    """What is counted for an address: IPv4 as is, IPv6 by its /64; hashed (the table keeps no address)."""
    try:
        addr = ipaddress.ip_address(ip)
        if addr.version == 6 and addr.ipv4_mapped is None:
            ip = str(ipaddress.ip_network(f"{addr}/64", strict=False))
        elif addr.version == 6:
            ip = str(addr.ipv4_mapped)
    except ValueError:
        pass
    return hashlib.sha256(ip.encode()).hexdigest()[:32]


class Slot:
    """One request's place in its source's window."""

    def __init__(self, pk: str, granted: bool, retry_after: int) -> None:
        self.pk, self.granted, self.retry_after = pk, granted, retry_after


class SourceLimit:
    """At most `limit` registrations per source per fixed window of `window` seconds, counted atomically."""

    def __init__(self, table: str, limit: int, window: int, client=None) -> None:
        if limit < 0 or window < 1:
            raise ValueError("SOURCE_LIMIT must be >= 0 and SOURCE_WINDOW_SECONDS >= 1")
        self.table, self.limit, self.window, self._client = table, limit, window, client

    @classmethod
    def from_env(cls) -> "SourceLimit | None":
        table = os.environ.get("SOURCE_LIMIT_TABLE", "")
        if not table:
            return None
        return cls(table, int(os.environ.get("SOURCE_LIMIT") or DEFAULT_SOURCE_LIMIT),
                   int(float(os.environ.get("SOURCE_WINDOW_SECONDS") or DEFAULT_SOURCE_WINDOW_SECONDS)))

    def _ddb(self):
        return self._client or _ddb()

    def take(self, ip: str, now: float | None = None) -> Slot:
        """Count one registration for `ip` if its window has room (one conditional ADD: no lost updates)."""
        now = _now() if now is None else now
        index = int(now // self.window)
        ends = (index + 1) * self.window
        retry_after = max(1, math.ceil(ends - now))
        pk = f"{source_key(ip)}#{index}"
        if self.limit == 0:  # paused: a new counter would pass "attribute_not_exists"
            return Slot(pk, False, retry_after)
        try:
            self._ddb().update_item(
                TableName=self.table, Key={"pk": {"S": pk}},
                UpdateExpression="ADD registrations :one SET expires_at = :expires",
                ConditionExpression="attribute_not_exists(registrations) OR registrations < :limit",
                ExpressionAttributeValues={":one": {"N": "1"}, ":limit": {"N": str(self.limit)},
                                           ":expires": {"N": str(ends + self.window)}})
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return Slot(pk, False, retry_after)
            raise
        return Slot(pk, True, retry_after)

    def give_back(self, slot: Slot) -> None:
        """Undo a granted slot (the registration was not stored after all); best effort."""
        try:
            self._ddb().update_item(
                TableName=self.table, Key={"pk": {"S": slot.pk}}, UpdateExpression="ADD registrations :minus",
                ConditionExpression="registrations > :zero",
                ExpressionAttributeValues={":minus": {"N": "-1"}, ":zero": {"N": "0"}})
        except ClientError as exc:
            print(f"[WARN] could not give back a registration slot: {exc}")


def _too_many(limit: SourceLimit, retry_after: int) -> dict:
    if limit.limit == 0:
        message = f"Registration is paused for the moment. Please try again in {retry_after} seconds."
    else:
        minutes = limit.window / 60
        per = f"{minutes:g} minutes" if minutes >= 1 else f"{limit.window} seconds"
        message = (f"Too many registrations from your network address (at most {limit.limit} every {per}). "
                   f"Please try again in {retry_after} seconds.")
    reply = _reply(429, {"ok": False, "retry_after": retry_after,
                         "error": {"field": "source", "message": message, "retry_after": retry_after}})
    reply["headers"]["retry-after"] = str(retry_after)
    return reply
