"""The local HTTP API throttles as API Gateway does: a token bucket per stage (per route with its own settings).

Time is a fake clock handed to the stand-in, so nothing here depends on how fast the machine is.
"""
from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from urllib.parse import urlsplit

import pytest
import requests

from helpers.emulator.httpapi import TOO_MANY_REQUESTS, TokenBucket, throttle_for
from tests.support import make_function


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# -- the bucket -----------------------------------------------------------------------------------
def test_bucket_allows_the_burst_then_the_steady_rate():
    clock = FakeClock()
    bucket = TokenBucket(rate=2, burst=5, clock=clock)
    assert [bucket.take() for _ in range(6)] == [True] * 5 + [False]
    clock.advance(0.4)  # 0.8 of a token: still nothing
    assert bucket.take() is False
    clock.advance(0.1)  # one token after 0.5 s at 2/s
    assert bucket.take() is True and bucket.take() is False
    clock.advance(10)  # refills to the burst, never beyond it
    assert bucket.tokens == 5
    assert sum(bucket.take() for _ in range(20)) == 5


def test_bucket_with_zero_burst_refuses_everything():
    bucket = TokenBucket(rate=100, burst=0, clock=FakeClock())
    assert not any(bucket.take() for _ in range(3))


def test_bucket_rejects_negative_settings():
    with pytest.raises(ValueError):
        TokenBucket(rate=-1, burst=1)


def test_bucket_is_thread_safe():
    """Many threads at once on a frozen clock: exactly `burst` requests get through."""
    bucket = TokenBucket(rate=1, burst=100, clock=FakeClock())
    granted: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(16)

    def worker():
        start.wait()
        mine = [bucket.take() for _ in range(50)]
        with lock:
            granted.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(granted) == 800 and sum(granted) == 100


class _Stage:
    def __init__(self, default=None, routes=None) -> None:
        self.default_route_settings = default or {"detailedMetricsEnabled": False}
        self.route_settings = routes or {}


def test_route_settings_override_the_stage_default():
    stage = _Stage({"throttlingRateLimit": 10.0, "throttlingBurstLimit": 50},
                   {"POST /register": {"throttlingRateLimit": 2.0, "throttlingBurstLimit": 5}})
    assert throttle_for(stage, "POST /register") == ("POST /register", 2.0, 5)
    assert throttle_for(stage, "GET /") == ("", 10.0, 50)


def test_no_throttling_settings_means_no_bucket():
    assert throttle_for(_Stage(), "GET /") is None
    assert throttle_for(None, "GET /") is None


# -- through the stand-in ---------------------------------------------------------------------------
HANDLER = '''
import json
COUNT = 0
def handler(event, context):
    global COUNT
    COUNT += 1
    return {"statusCode": 200, "body": json.dumps({"route": event["routeKey"], "count": COUNT,
                                                   "sourceIp": event["requestContext"]["http"]["sourceIp"]})}
'''


@pytest.fixture
def clock(session):
    """A fake clock for every HTTP API of the runtime (restored afterwards: the runtime is shared)."""
    fake = FakeClock()
    session.runtime.http_apis.reset_throttling(clock=fake)
    try:
        yield fake
    finally:
        session.runtime.http_apis.reset_throttling(clock=time.monotonic)


@pytest.fixture(scope="module")
def throttled_api(session):
    u = uuid.uuid4().hex[:8]
    arn = make_function(session, f"throttled-{u}", HANDLER)
    gw = session.client("apigatewayv2")
    api = gw.create_api(Name=f"throttled-{u}", ProtocolType="HTTP")
    integ = gw.create_integration(ApiId=api["ApiId"], IntegrationType="AWS_PROXY", IntegrationUri=arn,
                                  PayloadFormatVersion="2.0")
    for key in ("GET /a", "GET /b", "GET /own"):
        gw.create_route(ApiId=api["ApiId"], RouteKey=key, Target=f"integrations/{integ['IntegrationId']}")
    gw.create_stage(ApiId=api["ApiId"], StageName="$default", AutoDeploy=True,
                    DefaultRouteSettings={"ThrottlingRateLimit": 1.0, "ThrottlingBurstLimit": 3},
                    RouteSettings={"GET /own": {"ThrottlingRateLimit": 0.5, "ThrottlingBurstLimit": 1}})
    return gw.get_api(ApiId=api["ApiId"])["ApiEndpoint"]


def _codes(url: str, n: int) -> list[int]:
    return [requests.get(url, timeout=30).status_code for _ in range(n)]


def test_stage_throttling_burst_then_rate_then_429(throttled_api, clock):
    assert _codes(f"{throttled_api}/a", 3) == [200, 200, 200]
    r = requests.get(f"{throttled_api}/b", timeout=30)  # the stage's bucket is shared by routes without their own
    assert r.status_code == 429 and r.json() == TOO_MANY_REQUESTS
    assert r.headers["content-type"].startswith("application/json") and "retry-after" not in r.headers
    clock.advance(1.0)  # 1 request per second
    assert _codes(f"{throttled_api}/a", 2) == [200, 429]
    clock.advance(5.0)  # back to the full burst of 3, not 5
    assert _codes(f"{throttled_api}/a", 4) == [200, 200, 200, 429]


def test_a_route_with_its_own_settings_has_its_own_bucket(throttled_api, clock):
    assert _codes(f"{throttled_api}/own", 2) == [200, 429]
    assert _codes(f"{throttled_api}/a", 3) == [200, 200, 200]  # the stage's bucket is untouched
    clock.advance(1.0)  # 0.5/s: one token after 2 s
    assert _codes(f"{throttled_api}/own", 1) == [429]
    clock.advance(1.0)
    assert _codes(f"{throttled_api}/own", 2) == [200, 429]


def test_a_throttled_request_never_reaches_the_function(throttled_api, clock):
    first = requests.get(f"{throttled_api}/a", timeout=30).json()["count"]
    codes = _codes(f"{throttled_api}/a", 9)
    assert codes == [200, 200] + [429] * 7
    clock.advance(1.0)
    assert requests.get(f"{throttled_api}/a", timeout=30).json()["count"] == first + 3  # 2 more, then this one


def test_unthrottled_stages_are_not_throttled(session, clock):
    u = uuid.uuid4().hex[:8]
    arn = make_function(session, f"free-{u}", HANDLER)
    gw = session.client("apigatewayv2")
    api = gw.create_api(Name=f"free-{u}", ProtocolType="HTTP")
    integ = gw.create_integration(ApiId=api["ApiId"], IntegrationType="AWS_PROXY", IntegrationUri=arn,
                                  PayloadFormatVersion="2.0")
    gw.create_route(ApiId=api["ApiId"], RouteKey="$default", Target=f"integrations/{integ['IntegrationId']}")
    gw.create_stage(ApiId=api["ApiId"], StageName="$default", AutoDeploy=True)
    url = gw.get_api(ApiId=api["ApiId"])["ApiEndpoint"]
    assert set(_codes(f"{url}/anything", 20)) == {200}


def _get_from(url: str, source_ip: str) -> dict:
    """GET `url` over a connection from `source_ip` (any 127.0.0.0/8 address is this machine on Linux)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30, source_address=(source_ip, 0))
    try:
        conn.request("GET", parts.path)
        resp = conn.getresponse()
        assert resp.status == 200, resp.read()
        return json.loads(resp.read())
    finally:
        conn.close()


def test_source_ip_is_the_client_address(throttled_api, clock):
    assert _get_from(f"{throttled_api}/a", "127.0.0.1")["sourceIp"] == "127.0.0.1"
    assert _get_from(f"{throttled_api}/a", "127.0.0.2")["sourceIp"] == "127.0.0.2"


def test_source_ip_ignores_forwarded_headers(throttled_api, clock):
    r = requests.get(f"{throttled_api}/a", headers={"X-Forwarded-For": "203.0.113.9"}, timeout=30)
    assert r.json()["sourceIp"] == "127.0.0.1"
