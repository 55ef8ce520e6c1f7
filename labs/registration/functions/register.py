"""Registration API function (behind an API Gateway HTTP API, payload 2.0).

Routes:
  GET  /          the event portal page (a plain HTML form)
  POST /register  {"email", "alias", "experience"} as JSON or form data

Every request is validated (size, content type, fields, the enterprise
domain allow-list) and answered with a message a person can act on. A racer
is written once, with a conditional put; a second registration with the same
address gets 409 and the racer's current status, never a second record.

Environment: RACERS_TABLE, EVENT_TABLE, EVENT_NAME, ALLOWED_DOMAINS.
"""
from __future__ import annotations

import base64
import html
import json
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
_clients: dict = {}


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
    racer = validate_registration(data, allowed)
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
        racer = register(data, table=os.environ["RACERS_TABLE"], allowed=allowed)
    except RegistrationError as exc:
        status = 413 if "too large" in exc.message else 415 if exc.field == "content-type" else 400
        return _error(status, exc.field, exc.message)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code == "ConditionalCheckFailedException":
            email = data.get("email", "").strip().casefold() if isinstance(data, dict) else ""
            current = _ddb().get_item(TableName=os.environ["RACERS_TABLE"], Key={"email": {"S": email}},
                                    ConsistentRead=True).get("Item", {})
            status = current.get("status", {}).get("S", "registered")
            return _reply(409, {"ok": False, "status": status, "error": {
                "field": "email",
                "message": f"This address is already registered (status: {status}). "
                           "Check your inbox for the sign-in link."}})
        print(f"[ERROR] DynamoDB {code}: {exc}")
        return _error(503, "service", "Registration is busy right now; please try again in a minute.")
    print(json.dumps({"registered": racer["email"], "alias": racer["alias"]}))
    return _reply(201, {"ok": True, "racer": racer,
                        "message": f"Thanks {racer['alias']}! You are registered for {event_name}. "
                                   "Watch your inbox for the sign-in link."})
