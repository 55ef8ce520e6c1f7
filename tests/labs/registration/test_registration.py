"""The registration pipeline end to end: API, stream, DeepRacer on AWS, identity store, email."""
from __future__ import annotations

import json
import time
import uuid

import pytest
import requests

from labs.deepracer_event import event as ev
from labs.deepracer_event import identity
from labs.registration import lab, roster
from labs.registration.stack import wait_until_processed

DOMAINS = "example.com"


@pytest.fixture(scope="module")
def reg(session):
    event = f"t-{uuid.uuid4().hex[:8]}"
    return lab.prepare(session, event, display_name="Test Cup", allowed_domains=DOMAINS)


def api(reg):
    return reg.stack.api_url.rstrip("/") + "/register"


def event_mails(session, to):
    """The event's own email (the registration function's)."""
    return [m for m in session.outbox.list(to=to) if m.tags.get("purpose") == "registration"]


def invitations(session, to):
    """The solution's invitations (Cognito's, with the temporary password)."""
    return [m for m in session.outbox.list(to=to) if m.tags.get("purpose") == "cognito-invitation"]


def test_portal_page_is_served(reg):
    r = requests.get(reg.stack.api_url + "/", timeout=30)
    assert r.status_code == 200 and "<form" in r.text and "Test Cup" in r.text


def test_register_provision_and_notify(session, reg):
    status, body = roster.register_via_api(reg.stack, "  New.Racer@Example.com", "new-racer", "advanced")
    assert status == 201 and body["racer"]["email"] == "new.racer@example.com"
    assert wait_until_processed(session, reg.stack)
    row = next(r for r in roster.roster(session, reg.stack) if r["email"] == "new.racer@example.com")
    assert row["status"] == "notified" and row["user_id"] and row["experience"] == "advanced"
    assert row["deepracer"] == "invited" and row["profile_id"] == reg.admin.find_profile(
        "new.racer@example.com")["profileId"]
    assert "new.racer@example.com" in identity.group_members(session, reg.identity)
    mails = event_mails(session, "new.racer@example.com")
    assert len(mails) == 1 and len(invitations(session, "new.racer@example.com")) == 1
    assert reg.deployment.site_url in mails[0].text and "new-racer" in mails[0].text
    assert "temporary password" in mails[0].text and "access portal" not in mails[0].text


def test_registering_twice_is_409_with_status(session, reg):
    roster.register_via_api(reg.stack, "twice@example.com", "twice-1")
    wait_until_processed(session, reg.stack)
    status, body = roster.register_via_api(reg.stack, "TWICE@example.com ", "twice-2")
    assert status == 409 and body["status"] == "notified" and "already registered" in body["error"]["message"]
    assert len(event_mails(session, "twice@example.com")) == 1 and len(invitations(session, "twice@example.com")) == 1


@pytest.mark.parametrize("kwargs, status, field", [
    ({"json": {"email": "x@gmail.com", "alias": "abc"}}, 400, "email"),
    ({"json": {"email": "x@example.com", "alias": "<i>"}}, 400, "alias"),
    ({"json": {"email": "x@example.com", "alias": "abc", "experience": 3}}, 400, "experience"),
    ({"json": ["x@example.com"]}, 400, "body"),
    ({"data": "{", "headers": {"content-type": "application/json"}}, 400, "body"),
    ({"data": "x", "headers": {"content-type": "text/csv"}}, 415, "content-type"),
    ({"json": {"email": "x@example.com", "alias": "a" * 5000}}, 413, "body"),
    ({"data": "email=x%40example.com&alias=form-racer&experience=none",
      "headers": {"content-type": "application/x-www-form-urlencoded"}}, 201, None),
])
def test_every_bad_input_class_gets_a_clear_error(reg, kwargs, status, field):
    r = requests.post(api(reg), timeout=30, **kwargs)
    assert r.status_code == status
    if field:
        err = r.json()["error"]
        assert err["field"] == field and err["message"]


def test_closed_registration_is_refused(session, reg):
    ev.update_config(session, reg.config.name, registration_open=False)
    try:
        time.sleep(5.2)  # the function caches the event settings for 5 s
        status, body = roster.register_via_api(reg.stack, "late@example.com", "late-one")
        assert status == 403 and "closed" in body["error"]["message"]
    finally:
        ev.update_config(session, reg.config.name, registration_open=True)
        time.sleep(5.2)


def test_bulk_import_reports_bad_rows_and_is_rerunnable(session, reg, tmp_path):
    csv_path = tmp_path / "roster.csv"
    csv_path.write_text("email,alias,experience\n"
                        "bulk.one@example.com,bulk-one,none\n"
                        "bulk.two@example.com,bulk-two,beginner\n"
                        "someone@gmail.com,gmail-guy,none\n"
                        "BULK.ONE@example.com,dup-one,none\n"
                        "bulk.three@example.com,,none\n")
    first = roster.bulk_import(session, reg.stack, csv_path, DOMAINS, api=reg.admin, progress=False,
                               client_token="import-1")
    assert first.summary() == {"imported": 2, "already registered": 1, "rejected": 2,
                               "solution: created": 2, "solution: skipped": 1, "solution: failed": 0}
    assert [(r["line"], r["field"]) for r in sorted(first.rejected, key=lambda r: r["line"])] == [
        (4, "email"), (6, "alias")]
    again = roster.bulk_import(session, reg.stack, csv_path, DOMAINS, api=reg.admin, progress=False,
                               client_token="import-2")
    assert again.summary() == {"imported": 0, "already registered": 3, "rejected": 2,
                               "solution: created": 0, "solution: skipped": 3, "solution: failed": 0}
    wait_until_processed(session, reg.stack)
    assert len(event_mails(session, "bulk.one@example.com")) == 1
    assert len(invitations(session, "bulk.one@example.com")) == 1  # invited in bulk, never again
    row = next(r for r in roster.roster(session, reg.stack) if r["email"] == "bulk.one@example.com")
    assert row["status"] == "notified" and row["deepracer"] == "already there" and row["profile_id"]


def test_bulk_import_splits_at_the_models_200_entry_limit(session, reg, tmp_path):
    csv_path = tmp_path / "big.csv"
    csv_path.write_text("email,alias,experience\n" + "".join(
        f"chunk{i}@example.com,chunk-{i},none\n" for i in range(5)))
    report = roster.bulk_import(session, reg.stack, csv_path, DOMAINS, api=reg.admin, progress=False, chunk=2)
    assert len(report.jobs) == 3 and report.invitations["created"] == 5
    wait_until_processed(session, reg.stack)


def test_redelivered_record_creates_nothing_new(session, reg):
    assert roster.register_via_api(reg.stack, "replay@example.com", "replay-me")[0] == 201
    wait_until_processed(session, reg.stack)
    streams = session.client("dynamodbstreams")
    shard = streams.describe_stream(StreamArn=reg.stack.stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=reg.stack.stream_arn, ShardId=shard,
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = []
    while it:
        page = streams.get_records(ShardIterator=it, Limit=1000)
        if not page["Records"]:
            break
        records += page["Records"]
        it = page.get("NextShardIterator")
    rec = next(r for r in records if r["eventName"] == "INSERT"
               and r["dynamodb"]["Keys"]["email"]["S"] == "replay@example.com")
    rec["eventSourceARN"] = reg.stack.stream_arn
    users = session.client("identitystore").list_users(IdentityStoreId=reg.identity.center.identity_store_id)
    for _ in range(2):
        out = session.client("lambda").invoke(FunctionName=reg.stack.provision_function,
                                              Payload=json.dumps({"Records": [rec]}, default=str))
        assert json.loads(out["Payload"].read()) == {"batchItemFailures": []}
    after = session.client("identitystore").list_users(IdentityStoreId=reg.identity.center.identity_store_id)
    assert len(after["Users"]) == len(users["Users"])
    assert len(event_mails(session, "replay@example.com")) == 1
    assert len(invitations(session, "replay@example.com")) == 1  # "already exists" is never a second invitation


def test_identity_failures_are_retried_parked_and_redriven(session, reg):
    rejected = ["reject.me@example.com"]
    faults = session.runtime.faults
    faults.inject("identitystore", when_body_contains=rejected, operations=["CreateUser"], status=400,
                  code="ValidationException", message="rejected by IdP")
    faults.inject("identitystore", rate=0.3, status=400, code="ThrottlingException", message="Rate exceeded")
    try:
        emails = rejected + [f"flaky{i}@example.com" for i in range(12)]
        for i, e in enumerate(emails):
            assert roster.register_via_api(reg.stack, e, f"flaky-{i}")[0] == 201
        assert wait_until_processed(session, reg.stack, timeout=120)
        rows = {r["email"]: r for r in roster.roster(session, reg.stack)}
        assert rows["reject.me@example.com"]["status"] == "failed"
        assert "rejected by IdP" in rows["reject.me@example.com"]["status_reason"]
        assert all(rows[e]["status"] == "notified" for e in emails[1:])  # transient faults were retried
        parked = roster.parked(session, reg.stack)
        assert len(parked) == 1 and parked[0]["DDBStreamBatchInfo"]["batchSize"] == 1
    finally:
        faults.clear()
    assert roster.redrive(session, reg.stack) == {"recovered": 1}
    assert roster.parked(session, reg.stack) == []
    row = next(r for r in roster.roster(session, reg.stack) if r["email"] == "reject.me@example.com")
    assert row["status"] == "notified"
    for e in emails:  # never a second mail, faults or not
        assert len(event_mails(session, e)) == 1


def test_solution_failures_are_retried_parked_and_redriven(session, reg):
    refused = "dr.refused@example.com"
    faults = session.runtime.faults
    faults.inject("execute-api", when_body_contains=[refused], status=500, code="InternalFailureError",
                  message="Unable to create profile. Please try again.")
    # Every other call to the solution fails once (503), then its retry gets through.
    flaky = faults.inject("execute-api", rate=1.0, max_per_request=1, status=503, code="ServiceUnavailable",
                          message="try again")
    try:
        emails = [refused] + [f"dr-flaky{i}@example.com" for i in range(8)]
        for i, e in enumerate(emails):
            assert roster.register_via_api(reg.stack, e, f"dr-flaky-{i}")[0] == 201
        assert wait_until_processed(session, reg.stack, timeout=120)
        rows = {r["email"]: r for r in roster.roster(session, reg.stack)}
        assert rows[refused]["status"] == "failed" and "DeepRacer on AWS: 500" in rows[refused]["status_reason"]
        assert all(rows[e]["status"] == "notified" for e in emails[1:])
        assert len(roster.parked(session, reg.stack)) == 1
        assert flaky.hits >= 8  # each flaky racer's call failed at least once
    finally:
        faults.clear()
    assert roster.redrive(session, reg.stack) == {"recovered": 1}
    for e in emails:  # one invitation and one event mail each, whatever was retried
        assert len(invitations(session, e)) == 1 and len(event_mails(session, e)) == 1


def test_offboarding_removes_profiles_and_empties_the_group(session, reg):
    before = len(list(reg.admin.profiles()))
    done = roster.offboard(session, reg.stack, reg.identity, api=reg.admin)
    assert done["offboarded"] >= 1 and done["solution profiles deleted"] >= 1
    assert len(list(reg.admin.profiles())) == before - done["solution profiles deleted"]
    assert identity.group_members(session, reg.identity) == []
    assert {r["status"] for r in roster.roster(session, reg.stack)} == {"offboarded"}


def test_offboarding_can_keep_profiles_with_no_compute(session, tmp_path):
    event = f"t-{uuid.uuid4().hex[:8]}"
    other = lab.prepare(session, event, display_name="Keep Cup", allowed_domains=DOMAINS, racers_expected=10)
    assert roster.register_via_api(other.stack, "keeper@example.com", "keeper")[0] == 201
    wait_until_processed(session, other.stack)
    done = roster.offboard(session, other.stack, other.identity, api=other.admin, deepracer="zero")
    assert done["solution limits zeroed"] == 1
    kept = other.admin.find_profile("keeper@example.com")
    assert (kept["maxTotalComputeMinutes"], kept["maxModelCount"]) == (0, 0)
    with pytest.raises(ValueError, match="delete"):
        roster.offboard(session, other.stack, other.identity, deepracer="archive")
