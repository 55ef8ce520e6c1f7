"""SES outbox, HTTP API stand-in and fault injection."""
from __future__ import annotations

import json

import pytest
import requests
from botocore.exceptions import ClientError

from helpers.seed import SENDER
from tests.support import make_function


def test_sent_mail_lands_in_the_outbox(session, unique):
    to = f"racer-{unique}@example.com"
    mid = session.client("sesv2").send_email(
        FromEmailAddress=SENDER, Destination={"ToAddresses": [to]},
        Content={"Simple": {"Subject": {"Data": "Hello"}, "Body": {"Text": {"Data": "Line 1"},
                                                                  "Html": {"Data": "<p>Line 1</p>"}}}})["MessageId"]
    mails = session.outbox.list(to=to.upper())
    assert len(mails) == 1 and mails[0].message_id == mid
    assert mails[0].subject == "Hello" and mails[0].text == "Line 1" and mails[0].html == "<p>Line 1</p>"
    assert session.outbox.read(mid).to == [to]


def test_unverified_sender_is_rejected_and_nothing_lands(session, unique):
    to = f"nobody-{unique}@example.com"
    with pytest.raises(ClientError) as exc:
        session.client("sesv2").send_email(
            FromEmailAddress="stranger@unverified.example", Destination={"ToAddresses": [to]},
            Content={"Simple": {"Subject": {"Data": "x"}, "Body": {"Text": {"Data": "y"}}}})
    assert exc.value.response["Error"]["Code"] == "MessageRejected"
    assert session.outbox.list(to=to) == []


API_HANDLER = '''
import json, time
def handler(event, context):
    path = event["rawPath"]
    if path.endswith("/boom"):
        raise RuntimeError("boom")
    if path.endswith("/slow"):
        time.sleep(3)
    if path.endswith("/plain"):
        return {"plain": True}
    return {"statusCode": 201, "headers": {"x-route": event["routeKey"]},
            "body": json.dumps({"path": path, "params": event.get("pathParameters"),
                                "query": event.get("queryStringParameters"), "body": event.get("body"),
                                "method": event["requestContext"]["http"]["method"]})}
'''


@pytest.fixture(scope="module")
def http_api(session):
    import uuid

    u = uuid.uuid4().hex[:8]
    arn = make_function(session, f"api-{u}", API_HANDLER, timeout=10)
    gw = session.client("apigatewayv2")
    api = gw.create_api(Name=f"api-{u}", ProtocolType="HTTP",
                        CorsConfiguration={"AllowOrigins": ["https://portal.example"], "AllowMethods": ["POST"]})
    integ = gw.create_integration(ApiId=api["ApiId"], IntegrationType="AWS_PROXY", IntegrationUri=arn,
                                  PayloadFormatVersion="2.0", TimeoutInMillis=1000)
    for key in ("POST /items", "GET /items/{id}", "GET /boom", "GET /slow", "GET /plain", "ANY /files/{proxy+}"):
        gw.create_route(ApiId=api["ApiId"], RouteKey=key, Target=f"integrations/{integ['IntegrationId']}")
    gw.create_stage(ApiId=api["ApiId"], StageName="$default", AutoDeploy=True)
    return gw.get_api(ApiId=api["ApiId"])["ApiEndpoint"]


def test_api_endpoint_is_a_local_url(http_api):
    assert http_api.startswith("http://127.0.0.1:")


def test_routes_become_payload_v2_events(http_api):
    r = requests.post(f"{http_api}/items?x=1", json={"a": 1}, timeout=30)
    assert r.status_code == 201 and r.headers["x-route"] == "POST /items"
    body = r.json()
    assert body["method"] == "POST" and body["query"] == {"x": "1"} and json.loads(body["body"]) == {"a": 1}


def test_path_parameters_and_greedy_routes(http_api):
    assert requests.get(f"{http_api}/items/42", timeout=30).json()["params"] == {"id": "42"}
    assert requests.get(f"{http_api}/files/a/b.txt", timeout=30).json()["params"] == {"proxy": "a/b.txt"}


def test_unknown_route_is_404(http_api):
    r = requests.delete(f"{http_api}/items", timeout=30)
    assert r.status_code == 404 and r.json() == {"message": "Not Found"}


def test_function_error_is_500_without_details(http_api):
    r = requests.get(f"{http_api}/boom", timeout=30)
    assert r.status_code == 500 and r.json() == {"message": "Internal Server Error"}


def test_integration_timeout_is_503(http_api):
    r = requests.get(f"{http_api}/slow", timeout=30)
    assert r.status_code == 503


def test_bare_return_value_becomes_json_200(http_api):
    r = requests.get(f"{http_api}/plain", timeout=30)
    assert r.status_code == 200 and r.json() == {"plain": True}


def test_cors_preflight(http_api):
    r = requests.options(f"{http_api}/items", headers={"Origin": "https://portal.example",
                                                       "Access-Control-Request-Method": "POST"}, timeout=30)
    assert r.status_code == 204 and r.headers["Access-Control-Allow-Origin"] == "https://portal.example"


def test_fault_rate_one_fails_every_call_and_clear_restores(session, unique):
    ids = session.client("identitystore", config=__import__("botocore.config").config.Config(
        retries={"max_attempts": 1}))
    rule = session.runtime.faults.inject("identitystore", rate=1.0)
    try:
        with pytest.raises(ClientError) as exc:
            ids.create_group(IdentityStoreId="d-faulty", DisplayName=f"g-{unique}")
        assert exc.value.response["Error"]["Code"] == "InternalServerException"
        assert rule.hits >= 1
    finally:
        session.runtime.faults.clear()
    assert ids.create_group(IdentityStoreId="d-faulty", DisplayName=f"g-{unique}")["GroupId"]


def test_fault_by_body_content_hits_only_matching_calls(session, unique):
    ids = session.client("identitystore")
    session.runtime.faults.inject("identitystore", when_body_contains=[f"bad-{unique}"], operations=["CreateUser"],
                                  status=400, code="ValidationException", message="rejected")
    try:
        with pytest.raises(ClientError):
            ids.create_user(IdentityStoreId="d-faulty", UserName=f"bad-{unique}", DisplayName="x",
                            Name={"GivenName": "a", "FamilyName": "b"})
        assert ids.create_user(IdentityStoreId="d-faulty", UserName=f"good-{unique}", DisplayName="x",
                               Name={"GivenName": "a", "FamilyName": "b"})["UserId"]
    finally:
        session.runtime.faults.clear()


def test_fault_once_per_request_fails_the_first_try_and_lets_the_retry_through(session, unique):
    ids = session.client("identitystore", config=__import__("botocore.config").config.Config(
        retries={"mode": "standard", "total_max_attempts": 1}))  # no retries by botocore: the test retries
    rule = session.runtime.faults.inject("identitystore", rate=1.0, max_per_request=1, operations=["CreateGroup"])
    try:
        for name in (f"a-{unique}", f"b-{unique}"):
            with pytest.raises(ClientError):
                ids.create_group(IdentityStoreId="d-faulty", DisplayName=name)
            assert ids.create_group(IdentityStoreId="d-faulty", DisplayName=name)["GroupId"]  # the same request again
        assert rule.hits == 2
    finally:
        session.runtime.faults.clear()
    with pytest.raises(ValueError):
        session.runtime.faults.inject("identitystore", max_per_request=-1)


def test_fault_rate_must_be_a_fraction(session):
    with pytest.raises(ValueError):
        session.runtime.faults.inject("identitystore", rate=1.5)


def test_outbox_readers_never_see_a_half_written_message(tmp_path):
    """Listing while mail is being sent (a test waiting for its email) reads whole messages only."""
    import threading

    from helpers.emulator.mail import Mail, Outbox

    box = Outbox(tmp_path / "outbox")
    body = "x" * 200_000  # large enough that a plain write is caught half-way
    done = threading.Event()

    def send():
        for i in range(60):
            box.add(Mail(message_id=f"m{i}", sent_at=float(i), sender="a@example.com", to=["b@example.com"],
                         text=body))
        done.set()

    writer = threading.Thread(target=send)
    writer.start()
    seen = 0
    while not done.is_set():
        seen = max(seen, len(box.list()))  # raised JSONDecodeError before writes were atomic
    writer.join()
    assert len(box.list()) == 60 and all(m.text == body for m in box.list())
