"""CloudTrail → EventBridge for SageMaker `Create*` calls, in local mode.

On AWS, every management API call is recorded by CloudTrail and delivered to
the account's default EventBridge bus as an "AWS API Call via CloudTrail"
event; rules whose event pattern matches send it to their targets (a Lambda
function is invoked asynchronously). moto stores rules and targets but emits
no such events and runs no functions. This stand-in closes the loop:

- after a successful SageMaker `Create*` call was answered (a response hook of
  the gateway: it runs after the stand-in or moto answered), it builds the
  event CloudTrail would (`detail.eventName`, `requestParameters`
  and `responseElements` in CloudTrail's lowerCamelCase, `userIdentity`...);
- it matches the event against the enabled rules of the default bus with
  moto's own event-pattern matcher (prefix, anything-but, exists, ...);
- Lambda targets are invoked through the runtime's Lambda runner, off the
  caller's thread (`InvocationType=Event`), with Lambda's retries for
  asynchronous invocations (two more attempts after a function error); SQS
  targets receive the event as a message. `Input` (a constant) and
  `InputPath` (`$.detail`-style paths) are honoured.

What it does not do: events for failed calls (CloudTrail records those too,
with an `errorCode`), other services' calls, input transformers, or other
target types (each delivery says so in `deliveries`).
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from datetime import datetime, timezone
from typing import Any

from werkzeug.wrappers import Response

from helpers.emulator import moto_backends
from helpers.emulator.gateway import Call, service_model

# service (botocore name) -> (EventBridge source, CloudTrail eventSource)
SOURCES = {"sagemaker": ("aws.sagemaker", "sagemaker.amazonaws.com")}
DETAIL_TYPE = "AWS API Call via CloudTrail"
RETRY_DELAYS = (1.0, 2.0)  # Lambda retries async invocations twice (1 and 2 minutes on AWS; seconds here)


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def cloudtrail_shape(value: Any, shape) -> Any:
    """A request or response in CloudTrail's form: structure member names in lowerCamelCase,
    map keys (hyperparameters, environment variables) unchanged."""
    if shape is None:
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        out = {}
        for key, item in value.items():
            member = shape.members.get(key)
            out[_lower_first(key)] = cloudtrail_shape(item, member) if member is not None else item
        return out
    if kind == "list" and isinstance(value, list):
        return [cloudtrail_shape(item, shape.member) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {k: cloudtrail_shape(v, shape.value) for k, v in value.items()}
    return value


def _operation(service: str, name: str):
    try:
        return service_model(service).operation_model(name)
    except Exception:  # noqa: BLE001 - an operation botocore does not know: no shapes
        return None


def build_event(service: str, operation: str, region: str, account_id: str, request: dict, response: dict,
                *, access_key: str = "", user_agent: str = "", request_id: str = "") -> dict:
    """The EventBridge event CloudTrail delivers for one successful API call."""
    source, event_source = SOURCES[service]
    op = _operation(service, operation)
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": DETAIL_TYPE,
        "source": source,
        "account": account_id,
        "time": now,
        "region": region,
        "resources": [],
        "detail": {
            "eventVersion": "1.09",
            "userIdentity": {"type": "IAMUser", "principalId": access_key, "accountId": account_id,
                             "accessKeyId": access_key, "arn": f"arn:aws:iam::{account_id}:user/workshop-local"},
            "eventTime": now,
            "eventSource": event_source,
            "eventName": operation,
            "awsRegion": region,
            "sourceIPAddress": "127.0.0.1",
            "userAgent": user_agent,
            "requestParameters": cloudtrail_shape(request, op.input_shape if op else None),
            "responseElements": cloudtrail_shape(response, op.output_shape if op else None) or None,
            "requestID": request_id or str(uuid.uuid4()),
            "eventID": str(uuid.uuid4()),
            "readOnly": False,
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": account_id,
            "eventCategory": "Management",
        },
    }


def matches(pattern: str | None, event: dict) -> bool:
    """EventBridge pattern matching, with moto's matcher (the one its TestEventPattern uses)."""
    if not pattern:
        return False  # a scheduled rule has no pattern and matches no event
    return moto_backends.event_pattern_matches(pattern, event)


def _input_for(target: dict, event: dict) -> tuple[bytes | None, str]:
    if "Input" in target:
        return target["Input"].encode(), ""
    path = target.get("InputPath")
    if path:
        node: Any = event
        for part in path.lstrip("$").strip(".").split("."):
            if part:
                node = node.get(part) if isinstance(node, dict) else None
        return json.dumps(node).encode(), ""
    if "InputTransformer" in target:
        return None, "input transformers are not supported by the local stand-in"
    return json.dumps(event).encode(), ""


class CloudTrailEvents:
    """Response hooks: CloudTrail-shaped events for SageMaker Create* calls, to EventBridge rules."""

    def __init__(self, runtime) -> None:
        self.rt = runtime
        self.deliveries: deque[dict] = deque(maxlen=2000)
        self._pending = 0
        self._cv = threading.Condition()
        self.retry_delays: tuple[float, ...] = RETRY_DELAYS
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()

    # -- gateway ------------------------------------------------------------------
    def response_hooks(self) -> dict:
        """A response hook for every Create* operation of the services CloudTrail reports here."""
        return {(service, op): self.after_create for service in SOURCES
                for op in service_model(service).operation_names if op.startswith("Create")}

    def after_create(self, call: Call, response: Response) -> None:
        """After the call was answered (by a stand-in or moto): a successful one becomes an event."""
        if response.status_code != 200:
            return
        try:
            request, answer = call.json(), json.loads(response.get_data() or b"{}")
        except ValueError:
            return
        auth = call.headers.get("authorization", "")
        key = auth.split("Credential=", 1)[1].split("/", 1)[0] if "Credential=" in auth else ""
        event = build_event(call.api, call.operation, call.region, self.rt.account_id, request, answer,
                            access_key=key, user_agent=call.headers.get("user-agent", ""),
                            request_id=response.headers.get("x-amzn-RequestId", ""))
        self._start(self.publish, event, call.region)

    # -- EventBridge --------------------------------------------------------------
    def _start(self, fn, *args) -> None:
        with self._cv:
            self._pending += 1

        def run() -> None:
            try:
                fn(*args)
            finally:
                with self._cv:
                    self._pending -= 1
                    self._cv.notify_all()

        threading.Thread(target=run, name="cloudtrail-events", daemon=True).start()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until every event emitted so far has been delivered (tests, notebooks)."""
        end = time.time() + timeout
        with self._cv:
            while self._pending:
                left = end - time.time()
                if left <= 0:
                    return False
                self._cv.wait(left)
        return True

    def _events(self, region: str):
        """One EventBridge client per region, made once (creating clients is not thread-safe; using them is)."""
        with self._clients_lock:
            if region not in self._clients:
                import boto3

                self._clients[region] = boto3.session.Session().client(
                    "events", **{**self.rt.client_config(), "region_name": region})
            return self._clients[region]

    def _rules(self, region: str) -> list[dict]:
        events = self._events(region)
        rules: list[dict] = []
        kwargs: dict = {"EventBusName": "default"}
        while True:
            page = events.list_rules(**kwargs)
            rules += page.get("Rules", [])
            if not page.get("NextToken"):
                return rules
            kwargs["NextToken"] = page["NextToken"]

    def publish(self, event: dict, region: str) -> list[dict]:
        """Deliver one event to the targets of every enabled rule that matches it."""
        out = []
        events = self._events(region)
        for rule in self._rules(region):
            if rule.get("State") != "ENABLED" or not matches(rule.get("EventPattern"), event):
                continue
            targets = events.list_targets_by_rule(Rule=rule["Name"], EventBusName="default").get("Targets", [])
            for target in targets:
                out.append(self._deliver(rule["Name"], target, event, region))
        return out

    def _deliver(self, rule: str, target: dict, event: dict, region: str) -> dict:
        arn = target["Arn"]
        record = {"time": time.time(), "rule": rule, "target": arn, "event_id": event["id"],
                  "event_name": event["detail"].get("eventName", ""), "attempts": 0, "status": "", "error": ""}
        payload, problem = _input_for(target, event)
        service = arn.split(":")[2] if arn.count(":") >= 5 else ""
        if problem or service not in ("lambda", "sqs"):
            record.update(status="not delivered", error=problem or f"{service} targets are not supported locally")
        elif service == "sqs":
            try:
                self.rt._send_sqs(arn, payload.decode(), region)
                record.update(status="delivered", attempts=1)
            except Exception as exc:  # noqa: BLE001 - a failed delivery is recorded, like EventBridge's metrics
                record.update(status="failed", attempts=1, error=f"{type(exc).__name__}: {exc}")
        else:
            name = arn.split(":function:", 1)[1].split(":")[0]
            qualifier = arn.split(":function:", 1)[1].split(":")[1] if arn.count(":") > 6 else None
            for attempt, delay in enumerate((0.0, *self.retry_delays), 1):
                time.sleep(delay)
                record["attempts"] = attempt
                try:
                    result = self.rt.lambdas.invoke(name, payload, region, qualifier)
                except Exception as exc:  # noqa: BLE001 - e.g. the function was deleted
                    record.update(status="failed", error=f"{type(exc).__name__}: {exc}")
                    break
                if result.function_error is None:
                    record.update(status="delivered", result=result.json(), error="")
                    break
                record.update(status="function error", error=result.payload.decode()[:500])
        self.deliveries.append(record)
        return record
