"""Lambda `Invoke` really runs handlers, with Lambda's contract."""
from __future__ import annotations

import base64
import json

import pytest
from botocore.exceptions import ClientError

from tests.support import make_function, wait_for, zip_code

SOURCE = '''
import os, time, boto3
STARTED = time.time()
def handler(event, context):
    print("event:", event)
    if event.get("fail"):
        raise ValueError("boom: " + event["fail"])
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("exit"):
        os._exit(3)
    if event.get("put"):
        boto3.client("s3").put_object(Bucket=event["put"], Key="from-lambda.txt", Body=b"hi")
    return {"color": os.environ.get("COLOR"), "fn": context.function_name,
            "remaining_ok": 0 < context.get_remaining_time_in_millis() <= 10000, "started": STARTED}
'''


@pytest.fixture
def fn(session, unique):
    name = f"runner-{unique}"
    make_function(session, name, SOURCE, env={"COLOR": "green"}, timeout=10)
    return name


def invoke(session, name, payload, **kw):
    resp = session.client("lambda").invoke(FunctionName=name, Payload=json.dumps(payload), **kw)
    return resp, json.loads(resp["Payload"].read() or b"null")


def test_returns_handler_value_with_environment_and_context(session, fn):
    resp, body = invoke(session, fn, {"a": 1})
    assert resp["StatusCode"] == 200 and "FunctionError" not in resp
    assert body["color"] == "green" and body["fn"] == fn and body["remaining_ok"] is True


def test_warm_invocations_reuse_the_environment(session, fn):
    _, first = invoke(session, fn, {})
    _, second = invoke(session, fn, {})
    assert first["started"] == second["started"]  # same process: module state survives
    hist = [h for h in session.runtime.lambdas.history if h["function"] == fn]
    assert [h["cold"] for h in hist[-2:]] == [True, False]


def test_handler_boto3_calls_reach_the_same_runtime(session, fn, unique):
    bucket = f"from-lambda-{unique}"
    session.client("s3").create_bucket(Bucket=bucket)
    invoke(session, fn, {"put": bucket})
    assert session.client("s3").get_object(Bucket=bucket, Key="from-lambda.txt")["Body"].read() == b"hi"


def test_raised_error_comes_back_as_function_error(session, fn):
    resp, body = invoke(session, fn, {"fail": "bad input"})
    assert resp["FunctionError"] == "Unhandled"
    assert body["errorType"] == "ValueError" and body["errorMessage"] == "boom: bad input"
    assert any("raise ValueError" in line or "handler" in line for line in body["stackTrace"])


def test_log_tail_has_prints_and_report(session, fn):
    resp, _ = invoke(session, fn, {"x": 42}, LogType="Tail")
    tail = base64.b64decode(resp["LogResult"]).decode()
    assert "event: {'x': 42}" in tail and "REPORT RequestId:" in tail and "Max Memory Used" in tail


def test_logs_land_in_cloudwatch(session, fn):
    invoke(session, fn, {"marker": "find-me"})
    logs = session.client("logs")

    def found():
        try:
            events = logs.filter_log_events(logGroupName=f"/aws/lambda/{fn}")["events"]
        except logs.exceptions.ResourceNotFoundException:
            return False
        return any("find-me" in e["message"] for e in events)

    wait_for(found, timeout=10)


def test_timeout_is_enforced(session, unique):
    name = f"slow-{unique}"
    make_function(session, name, SOURCE, timeout=1)
    resp, body = invoke(session, name, {"sleep": 5})
    assert resp["FunctionError"] == "Unhandled" and body["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in body["errorMessage"]
    _, ok = invoke(session, name, {})  # a fresh environment serves the next call
    assert ok["fn"] == name


def test_crashing_runtime_is_reported(session, fn):
    resp, body = invoke(session, fn, {"exit": True})
    assert resp["FunctionError"] == "Unhandled" and body["errorType"] == "Runtime.ExitError"


def test_import_error_is_reported(session, unique):
    name = f"broken-{unique}"
    make_function(session, name, "import not_a_module\ndef handler(e, c):\n    return 1\n")
    resp, body = invoke(session, name, {})
    assert resp["FunctionError"] == "Unhandled" and body["errorType"] == "Runtime.ImportModuleError"


def test_code_update_is_served(session, fn):
    session.client("lambda").update_function_code(
        FunctionName=fn, ZipFile=zip_code({"app.py": "def handler(e, c):\n    return 'v2'\n"}))
    _, body = invoke(session, fn, {})
    assert body == "v2"


def test_unknown_function_is_not_found(session):
    with pytest.raises(ClientError) as exc:
        session.client("lambda").invoke(FunctionName="no-such-function", Payload=b"{}")
    assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_event_invocation_runs_asynchronously(session, fn, unique):
    bucket = f"async-{unique}"
    session.client("s3").create_bucket(Bucket=bucket)
    resp = session.client("lambda").invoke(FunctionName=fn, InvocationType="Event",
                                           Payload=json.dumps({"put": bucket}))
    assert resp["StatusCode"] == 202
    wait_for(lambda: session.client("s3").list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 1)


def test_deleting_a_function_stops_its_execution_environments(session, fn):
    invoke(session, fn, {})
    assert session.runtime.lambdas.warm_workers(fn) == 1
    session.client("lambda").delete_function(FunctionName=fn)
    assert session.runtime.lambdas.warm_workers(fn) == 0  # no orphan worker processes after cleanup
    with pytest.raises(ClientError) as err:
        invoke(session, fn, {})
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
