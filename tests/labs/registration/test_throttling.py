"""The public registration API is throttled, and says so clearly (issue 9).

Three layers, each tested where it lives:
- the stage's token bucket, from the template's parameters, enforced by the local HTTP API (fake clock);
- the function's per-source limit, N registrations per address per window, counted atomically in
  DynamoDB (the handler run in-process with a fake clock against the runtime's DynamoDB, and the
  deployed function over HTTP from two loopback addresses);
- the page's answer to a 429 of either kind (its script run by Node with a stand-in DOM; the browser
  test in test_portal.py does the same in Chromium).
"""
from __future__ import annotations

import http.client
import inspect
import json
import re
import shutil
import subprocess
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from labs.deepracer_event import event as event_state
from labs.registration import lab, roster
from labs.registration import stack as st
from labs.registration.functions import register as fn
from helpers.seed import SENDER

DOMAINS = "example.com"
PAGE = Path(st.FUNCTIONS_DIR / "portal.html")


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# -- the template ---------------------------------------------------------------------------------
def test_template_throttles_the_stage_with_parameters():
    t = st.load_template()
    params = t["Parameters"]
    api = t["Resources"]["PortalApi"]["Properties"]
    assert api["DefaultRouteSettings"] == {"ThrottlingRateLimit": {"Ref": "ApiThrottlingRateLimit"},
                                           "ThrottlingBurstLimit": {"Ref": "ApiThrottlingBurstLimit"}}
    for name in st.THROTTLING_PARAMETERS:
        assert params[name]["Type"] == "Number" and "Default" in params[name] and params[name]["Description"]
    # sized for 200-2,000 racers: a room of 200 pressing at once gets through in well under a minute
    rate, burst = params["ApiThrottlingRateLimit"]["Default"], params["ApiThrottlingBurstLimit"]["Default"]
    assert burst + 45 * rate >= 200 * 2
    env = t["Resources"]["RegisterFunction"]["Properties"]["Environment"]["Variables"]
    assert env["SOURCE_LIMIT"] == {"Ref": "RegistrationsPerSource"}
    assert env["SOURCE_WINDOW_SECONDS"] == {"Ref": "RegistrationWindowSeconds"}
    assert env["SOURCE_LIMIT_TABLE"] == {"Ref": "RegistrationLimits"}
    table = t["Resources"]["RegistrationLimits"]["Properties"]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


def test_sam_puts_the_throttling_on_the_default_stage():
    out = __import__("helpers.templates", fromlist=["expand"]).expand(st.TEMPLATE)
    stage = next(r for r in out["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Stage")
    assert stage["Properties"]["StageName"] == "$default"
    assert stage["Properties"]["DefaultRouteSettings"] == {
        "ThrottlingRateLimit": {"Ref": "ApiThrottlingRateLimit"},
        "ThrottlingBurstLimit": {"Ref": "ApiThrottlingBurstLimit"}}
    role = next(r for k, r in out["Resources"].items() if r["Type"] == "AWS::IAM::Role" and "Register" in k)
    statements = [s for p in role["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]]
    assert any(s["Action"] == "dynamodb:UpdateItem" and s["Resource"] in (
        {"Fn::GetAtt": ["RegistrationLimits", "Arn"]}, {"Fn::GetAtt": "RegistrationLimits.Arn"}) for s in statements)


def test_local_settings_resolve_the_parameters():
    s = st.template_settings()
    p = st.load_template()["Parameters"]
    assert s["stage"] == {"DefaultRouteSettings": {
        "ThrottlingRateLimit": float(p["ApiThrottlingRateLimit"]["Default"]),
        "ThrottlingBurstLimit": int(p["ApiThrottlingBurstLimit"]["Default"])}}
    assert s["source_limit_env"] == {"SOURCE_LIMIT": str(p["RegistrationsPerSource"]["Default"]),
                                     "SOURCE_WINDOW_SECONDS": str(p["RegistrationWindowSeconds"]["Default"])}
    changed = st.template_settings({"ApiThrottlingBurstLimit": 7, "RegistrationsPerSource": 3})
    assert changed["stage"]["DefaultRouteSettings"]["ThrottlingBurstLimit"] == 7
    assert changed["source_limit_env"]["SOURCE_LIMIT"] == "3"


@pytest.mark.parametrize("bad", [{"NoSuchParameter": 1}, {"ApiThrottlingBurstLimit": 0},
                                 {"RegistrationWindowSeconds": 5}])
def test_parameters_are_checked_like_cloudformation(bad):
    with pytest.raises(ValueError):
        st.parameter_values(bad)


# -- the deployed stack ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def reg(session):
    event = f"thr-{uuid.uuid4().hex[:8]}"
    return lab.prepare(session, event, display_name="Throttle Cup", allowed_domains=DOMAINS)


def _redeploy(session, reg, **parameters):
    """The lab's stack deployed again with other template parameters (as an organiser would)."""
    extra = {}
    if "deepracer" in inspect.signature(st.deploy).parameters:  # the solution's wiring, found again
        extra["deepracer"] = lab.connect_solution(session, reg.config.name, sender=SENDER,
                                                  racers_expected=reg.config.racers_expected)[2]
    return st.deploy(session, reg.config.name, reg.identity, sender=SENDER, allowed_domains=DOMAINS,
                     display_name=reg.config.display_name, parameters=parameters or None, **extra)


@pytest.fixture
def clock(session):
    fake = FakeClock(5000.0)
    session.runtime.http_apis.reset_throttling(clock=fake)
    try:
        yield fake
    finally:
        session.runtime.http_apis.reset_throttling(clock=time.monotonic)


def _api_id(stack) -> str:
    return stack.api_url.rstrip("/").rsplit("/", 1)[-1]


def test_local_stack_deploys_what_the_template_says(session, reg):
    s = st.template_settings()
    stage = session.client("apigatewayv2").get_stage(ApiId=_api_id(reg.stack), StageName="$default")
    assert {k: v for k, v in stage["DefaultRouteSettings"].items() if k.startswith("Throttling")} == \
        s["stage"]["DefaultRouteSettings"]
    env = session.client("lambda").get_function_configuration(
        FunctionName=reg.stack.register_function)["Environment"]["Variables"]
    assert env["SOURCE_LIMIT_TABLE"] == reg.stack.limits_table == f"{reg.config.name}-registration-limits"
    assert {k: env[k] for k in ("SOURCE_LIMIT", "SOURCE_WINDOW_SECONDS")} == s["source_limit_env"]
    ddb = session.client("dynamodb")
    ttl = ddb.describe_time_to_live(TableName=reg.stack.limits_table)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
    def tags(table):
        arn = ddb.describe_table(TableName=table)["Table"]["TableArn"]
        return {t["Key"]: t["Value"] for t in ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]}

    assert tags(reg.stack.limits_table) == tags(reg.stack.racers_table)  # the cleanup finds it with the roster


def test_the_local_api_enforces_the_deployed_stage_settings(session, reg, clock):
    try:
        stack = _redeploy(session, reg, ApiThrottlingRateLimit=1, ApiThrottlingBurstLimit=2)
        stage = session.client("apigatewayv2").get_stage(ApiId=_api_id(stack), StageName="$default")
        assert stage["DefaultRouteSettings"]["ThrottlingBurstLimit"] == 2
        page = stack.api_url + "/"
        assert [requests.get(page, timeout=30).status_code for _ in range(2)] == [200, 200]
        r = requests.post(stack.api_url + "/register", json={"email": "never@example.com", "alias": "never"},
                          timeout=30)
        assert r.status_code == 429 and r.json() == {"message": "Too Many Requests"}
        assert roster.register_via_api(stack, "never@example.com", "never")[0] == 429  # still empty
        clock.advance(1.0)
        assert requests.get(page, timeout=30).status_code == 200
        assert not any(row["email"] == "never@example.com" for row in roster.roster(session, stack))
    finally:
        _redeploy(session, reg)
    stage = session.client("apigatewayv2").get_stage(ApiId=_api_id(reg.stack), StageName="$default")
    assert stage["DefaultRouteSettings"]["ThrottlingBurstLimit"] == st.template_settings()[
        "stage"]["DefaultRouteSettings"]["ThrottlingBurstLimit"]


def _post_from(url: str, source_ip: str, body: dict) -> tuple[int, dict, dict]:
    """POST from a given loopback address (any 127.0.0.0/8 address is this machine on Linux)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30, source_address=(source_ip, 0))
    try:
        conn.request("POST", parts.path, body=json.dumps(body), headers={"content-type": "application/json"})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, json.loads(resp.read() or b"{}")
    finally:
        conn.close()


def _counter(session, stack, ip: str, window: int) -> int:
    pk = f"{fn.source_key(ip)}#{int(time.time() // window)}"
    item = session.client("dynamodb").get_item(TableName=stack.limits_table, Key={"pk": {"S": pk}},
                                               ConsistentRead=True).get("Item")
    return int(item["registrations"]["N"]) if item else 0


def test_deployed_function_limits_each_source(session, reg):
    """Two accepted from 127.0.0.1, then 429 with Retry-After; 127.0.0.2 unaffected; a repeat is still 409.

    The function's windows follow the real clock: a day-long window makes a boundary inside the test
    unlikely, and if one falls inside it anyway the sequence runs again in the new window."""
    window = 86400
    stack = _redeploy(session, reg, RegistrationsPerSource=2, RegistrationWindowSeconds=window)
    url = stack.api_url + "/register"
    try:
        for attempt in range(3):
            started = int(time.time() // window)
            tag = f"{attempt}{uuid.uuid4().hex[:4]}"
            first = [_post_from(url, "127.0.0.1", {"email": f"src{i}-{tag}@example.com", "alias": f"src-{i}-{tag}"})
                     for i in range(2)]
            over = _post_from(url, "127.0.0.1", {"email": f"over-{tag}@example.com", "alias": f"over-{tag}"})
            other = _post_from(url, "127.0.0.2", {"email": f"other-{tag}@example.com", "alias": f"other-{tag}"})
            again = _post_from(url, "127.0.0.1", {"email": f"SRC0-{tag}@example.com", "alias": f"again-{tag}"})
            if int(time.time() // window) == started:
                break
        assert [status for status, _, _ in first] == [201, 201]
        status, headers, body = over
        assert status == 429, body
        assert 1 <= int(headers["retry-after"]) <= window and body["retry_after"] == int(headers["retry-after"])
        assert body["ok"] is False and body["error"]["field"] == "source"
        assert f"try again in {body['retry_after']} seconds" in body["error"]["message"]
        assert other[0] == 201, other
        assert again[0] == 409 and "already registered" in again[2]["error"]["message"]
        assert _counter(session, stack, "127.0.0.1", window) == 2  # the 409 spent nothing
        emails = {row["email"] for row in roster.roster(session, stack)}
        assert f"over-{tag}@example.com" not in emails and f"other-{tag}@example.com" in emails
    finally:
        _redeploy(session, reg)


def test_bulk_import_is_not_limited(session, reg, tmp_path):
    """The organiser's own import goes straight to the table: the per-source limit is the public API's."""
    stack = _redeploy(session, reg, RegistrationsPerSource=0)
    try:
        csv_path = tmp_path / "roster.csv"
        csv_path.write_text("email,alias,experience\n" + "".join(
            f"bulk{i}-thr@example.com,bulk-thr-{i},none\n" for i in range(3)))
        assert roster.bulk_import(session, stack, csv_path, DOMAINS, progress=False).summary()["imported"] == 3
        status, body = roster.register_via_api(stack, "paused@example.com", "paused")
        assert status == 429 and "paused" in body["error"]["message"]
    finally:
        _redeploy(session, reg)


# -- the handler in-process, on a fake clock ---------------------------------------------------------
@pytest.fixture
def handler_env(session, monkeypatch, unique):
    """The registration handler against the runtime's DynamoDB: limit 3 per 60 s, clock at t=1000."""
    event = f"thh-{unique}"
    names = event_state.ensure_tables(session, event)
    ddb = session.client("dynamodb")
    limits = st._ensure_limits_table(session, ddb, event, st.template_settings())
    monkeypatch.setitem(fn._clients, "dynamodb", ddb)
    clock = FakeClock(1000.0)
    monkeypatch.setattr(fn, "_now", clock)
    monkeypatch.delenv("EVENT_TABLE", raising=False)
    for key, value in {"RACERS_TABLE": names["racers"], "ALLOWED_DOMAINS": DOMAINS, "SOURCE_LIMIT_TABLE": limits,
                       "SOURCE_LIMIT": "3", "SOURCE_WINDOW_SECONDS": "60"}.items():
        monkeypatch.setenv(key, value)
    return {"clock": clock, "limits": limits, "racers": names["racers"], "ddb": ddb}


def _alias(email: str) -> str:
    return ("racer-" + re.sub(r"[^a-z0-9]", "-", email.strip().split("@")[0].lower()))[:20]


def _call(ip: str, email: str, alias: str | None = None) -> tuple[int, dict, dict]:
    out = fn.handler({"requestContext": {"http": {"method": "POST", "path": "/register", "sourceIp": ip}},
                      "headers": {"content-type": "application/json"},
                      "body": json.dumps({"email": email, "alias": alias or _alias(email)})}, None)
    return out["statusCode"], out["headers"], json.loads(out["body"])


def test_n_registrations_per_source_then_429_with_retry_after(handler_env):
    assert [_call("198.51.100.7", f"r{i}@example.com")[0] for i in range(3)] == [201, 201, 201]
    status, headers, body = _call("198.51.100.7", "r3@example.com")
    # t=1000 in a 60 s window that ends at t=1020
    assert status == 429 and headers["retry-after"] == "20" and body["retry_after"] == 20
    assert body["error"] == {"field": "source", "retry_after": 20, "message":
                             "Too many registrations from your network address (at most 3 every 1 minutes). "
                             "Please try again in 20 seconds."}
    handler_env["clock"].advance(19.5)
    assert _call("198.51.100.7", "r3@example.com")[1]["retry-after"] == "1"  # rounded up, never 0


def test_other_sources_are_unaffected(handler_env):
    for i in range(3):
        _call("198.51.100.7", f"a{i}@example.com")
    assert _call("198.51.100.7", "a3@example.com")[0] == 429
    assert _call("198.51.100.8", "b0@example.com")[0] == 201


def test_the_window_expiring_lets_the_source_register_again(handler_env):
    for i in range(3):
        assert _call("198.51.100.7", f"w{i}@example.com")[0] == 201
    assert _call("198.51.100.7", "w3@example.com")[0] == 429
    handler_env["clock"].advance(19.9)  # t=1019.9: same window
    assert _call("198.51.100.7", "w3@example.com")[0] == 429
    handler_env["clock"].advance(0.1)  # t=1020: a new window
    assert [_call("198.51.100.7", f"w{i}@example.com")[0] for i in range(3, 7)] == [201, 201, 201, 429]


def test_a_repeat_registration_is_409_and_not_counted(handler_env):
    assert _call("198.51.100.7", "dup@example.com")[0] == 201
    for _ in range(3):
        status, _, body = _call("198.51.100.7", "DUP@example.com ")
        assert status == 409 and "already registered" in body["error"]["message"]
    assert [_call("198.51.100.7", f"d{i}@example.com")[0] for i in range(2)] == [201, 201]  # 1 + 2 = the limit
    assert _call("198.51.100.7", "dup@example.com")[0] == 409  # at the limit: still 409, not 429
    assert _call("198.51.100.7", "d2@example.com")[0] == 429


def test_a_registration_lost_to_a_concurrent_one_gives_its_slot_back(handler_env, monkeypatch):
    """Two requests for one address at once: both pass the roster read, one put wins; the loser is 409 and
    its slot is returned, so it is not counted."""
    assert _call("198.51.100.7", "race@example.com")[0] == 201
    real = fn._already_registered
    monkeypatch.setattr(fn, "_already_registered",
                        lambda table, email, known=False: real(table, email, known) if known else None)
    assert _call("198.51.100.7", "race@example.com")[0] == 409
    assert _call("198.51.100.7", "race@example.com")[0] == 409
    pk = f"{fn.source_key('198.51.100.7')}#{int(1000 // 60)}"
    item = handler_env["ddb"].get_item(TableName=handler_env["limits"], Key={"pk": {"S": pk}})["Item"]
    assert item["registrations"]["N"] == "1"


def test_bad_requests_spend_nothing(handler_env):
    for _ in range(5):
        assert _call("198.51.100.7", "someone@gmail.com")[0] == 400
    assert [_call("198.51.100.7", f"ok{i}@example.com")[0] for i in range(3)] == [201, 201, 201]


def test_the_count_is_atomic_under_concurrency(handler_env):
    limit = fn.SourceLimit(handler_env["limits"], 5, 60, client=handler_env["ddb"])
    granted: list[bool] = []
    lock = threading.Lock()

    def worker():
        slot = limit.take("192.0.2.1", now=1000.0)
        with lock:
            granted.append(slot.granted)

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(granted) == 20 and sum(granted) == 5


def test_counters_hold_no_address_and_expire(handler_env):
    _call("198.51.100.7", "ttl@example.com")
    items = handler_env["ddb"].scan(TableName=handler_env["limits"])["Items"]
    assert items and not any("198.51.100.7" in json.dumps(item) for item in items)
    item = next(i for i in items if i["pk"]["S"].startswith(fn.source_key("198.51.100.7")))
    assert int(item["expires_at"]["N"]) == 1020 + 60  # the window's end plus one window


def test_ipv6_counts_per_64_block(handler_env):
    for i in range(3):
        assert _call(f"2001:db8:1:2::{i + 1}", f"v6-{i}@example.com")[0] == 201
    assert _call("2001:db8:1:2:ffff::9", "v6-3@example.com")[0] == 429  # same /64
    assert _call("2001:db8:1:3::1", "v6-4@example.com")[0] == 201  # another /64
    assert fn.source_key("::ffff:198.51.100.7") == fn.source_key("198.51.100.7")


def test_limit_zero_pauses_registration(handler_env, monkeypatch):
    monkeypatch.setenv("SOURCE_LIMIT", "0")
    status, headers, body = _call("198.51.100.7", "p@example.com")
    assert status == 429 and headers["retry-after"] == "20" and "paused" in body["error"]["message"]


def test_without_a_limits_table_there_is_no_per_source_limit(handler_env, monkeypatch):
    monkeypatch.delenv("SOURCE_LIMIT_TABLE")
    assert [_call("198.51.100.7", f"n{i}@example.com")[0] for i in range(5)] == [201] * 5


# -- the page's answer to a 429 -----------------------------------------------------------------------
NODE = shutil.which("node")
HARNESS = r"""
const fs = require("fs");
const [page, scenarioFile] = process.argv.slice(2);
const html = fs.readFileSync(page, "utf8");
const script = html.slice(html.indexOf("<script>") + 8, html.indexOf("</script>"));
const scenario = JSON.parse(fs.readFileSync(scenarioFile, "utf8"));
function element(id, value) {
  const attrs = {};
  return {id, value, className: "", textContent: "", disabled: false, focused: false,
          setAttribute(k, v) { attrs[k] = v; }, removeAttribute(k) { delete attrs[k]; },
          getAttribute(k) { return k in attrs ? attrs[k] : null; }, focus() { this.focused = true; }};
}
const fields = {email: element("email", scenario.form.email), alias: element("alias", scenario.form.alias),
                experience: element("experience", scenario.form.experience)};
let submit = null, resets = 0, requested = null;
const form = Object.assign(element("registration"), {
  addEventListener(type, fn) { if (type === "submit") submit = fn; },
  querySelectorAll() { return Object.values(fields); },
  reset() { resets += 1; for (const f of Object.values(fields)) f.value = ""; }});
const nodes = {registration: form, result: element("result"), register: element("register"), ...fields};
global.document = {getElementById: (id) => nodes[id] || null};
global.window = {location: {pathname: scenario.path || "/"}};
global.FormData = class { constructor() {} entries() {
  return Object.entries(fields).map(([k, f]) => [k, f.value]); } };
global.fetch = async (url, opts) => {
  requested = {url, body: JSON.parse(opts.body)};
  const headers = Object.fromEntries(Object.entries(scenario.response.headers || {}).map(([k, v]) => [k.toLowerCase(), v]));
  return {status: scenario.response.status, ok: scenario.response.status < 300,
          headers: {get: (name) => (name.toLowerCase() in headers ? headers[name.toLowerCase()] : null)},
          json: async () => JSON.parse(scenario.response.body)};
};
eval(script);
(async () => {
  await submit({preventDefault() {}});
  const result = nodes.result;
  console.log(JSON.stringify({kind: result.className, text: result.textContent, resets, requested,
    values: Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.value])),
    invalid: Object.keys(fields).filter((k) => fields[k].getAttribute("aria-invalid") === "true"),
    buttonDisabled: nodes.register.disabled}));
})();
"""
FORM = {"email": "kept@example.com", "alias": "kept-alias", "experience": "advanced"}


def _page(tmp_path: Path, status: int, body: str, headers: dict | None = None) -> dict:
    if NODE is None:
        pytest.skip("node is not installed: the page's script cannot run outside a browser")
    harness, scenario = tmp_path / "harness.js", tmp_path / "scenario.json"
    harness.write_text(HARNESS)
    scenario.write_text(json.dumps({"form": FORM, "response": {"status": status, "body": body,
                                                               "headers": headers or {}}}))
    out = subprocess.run([NODE, str(harness), str(PAGE), str(scenario)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_page_explains_the_stage_429_and_keeps_the_form(tmp_path):
    shown = _page(tmp_path, 429, json.dumps({"message": "Too Many Requests"}))  # API Gateway's, no Retry-After
    assert shown["kind"] == "wait"
    assert "Lots of racers are registering right now" in shown["text"] and "10 seconds" in shown["text"]
    assert shown["values"] == FORM and shown["resets"] == 0 and shown["invalid"] == []
    assert shown["buttonDisabled"] is False and shown["requested"]["url"] == "/register"


def test_page_uses_retry_after_when_a_429_has_one(tmp_path):
    shown = _page(tmp_path, 429, json.dumps({"message": "Too Many Requests"}), {"Retry-After": "3"})
    assert "3 seconds" in shown["text"] and shown["values"] == FORM


def test_page_shows_the_functions_per_source_429(tmp_path):
    limit = fn.SourceLimit("t", 30, 600)
    reply = fn._too_many(limit, 42)
    shown = _page(tmp_path, reply["statusCode"], reply["body"], reply["headers"])
    assert shown["kind"] == "wait" and "42 seconds" in shown["text"] and "network address" in shown["text"]
    assert "still filled in" in shown["text"]
    assert shown["values"] == FORM and shown["resets"] == 0 and shown["invalid"] == []


def test_page_still_resets_after_success_and_marks_bad_fields(tmp_path):
    ok = _page(tmp_path, 201, json.dumps({"ok": True, "message": "Thanks kept-alias!"}))
    assert ok["kind"] == "ok" and ok["resets"] == 1
    bad = _page(tmp_path, 400, json.dumps({"ok": False, "error": {"field": "alias", "message": "Bad alias"}}))
    assert bad["kind"] == "error" and bad["text"] == "Bad alias" and bad["invalid"] == ["alias"]


def test_api_id_from_either_url_form():
    local = st.RegistrationStack("e", "http://127.0.0.1:4566/_aws/execute-api/abc123/", *[""] * 9)
    aws = st.RegistrationStack("e", "https://k9x8w7.execute-api.eu-west-1.amazonaws.com/", *[""] * 9)
    assert st.api_id(local) == "abc123" and st.api_id(aws) == "k9x8w7"


def test_throttling_reads_back_what_is_deployed(session, reg):
    rows = {r["setting"]: r["value"] for r in st.throttling(session, reg.stack)}
    s = st.template_settings()
    assert rows["requests per second (refill)"] == s["stage"]["DefaultRouteSettings"]["ThrottlingRateLimit"]
    assert rows["burst (bucket size)"] == s["stage"]["DefaultRouteSettings"]["ThrottlingBurstLimit"]
    env = s["source_limit_env"]
    assert rows["registrations per address per window"] == f"{env['SOURCE_LIMIT']} per {env['SOURCE_WINDOW_SECONDS']} s"
