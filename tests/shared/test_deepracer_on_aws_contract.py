"""The kit's record of DeepRacer on AWS's API (helpers/deepracer_on_aws/operations.json) holds.

* every operation the kit calls is in the record, with the method, path and required members the
  solution's Smithy model gives it (the record names its source; refresh it from there and a rename
  upstream fails here);
* the client sends exactly those requests, SigV4-signed for execute-api, and reads the model's
  output shapes (recorded answers, no network: this is the aws path's unit test);
* the local stand-in serves every recorded operation.
"""
from __future__ import annotations

import ast
import io
import json
import re
import urllib.error
from pathlib import Path

import pytest

from helpers.deepracer_on_aws import client as dra_client

ROOT = Path(__file__).resolve().parents[2]
RECORD = json.loads((ROOT / "helpers" / "deepracer_on_aws" / "operations.json").read_text())

# From the Smithy model (operations/*.smithy), as read 2026-12-02: name -> (method, path, required members).
MODEL = {
    "CreateProfile": ("POST", "/profile", ["emailAddress"]),
    "GetProfile": ("GET", "/profile", []),
    "UpdateProfile": ("PATCH", "/profile", []),
    "ListProfiles": ("GET", "/profiles", []),
    "DeleteProfile": ("DELETE", "/profiles/{profileId}", ["profileId"]),
    "UpdateGroupMembership": ("PUT", "/profile/role", ["profileId", "targetUserPoolGroup"]),
    "BulkInviteUser": ("POST", "/profiles/bulkInvite", ["profiles"]),
    "GetBulkInviteUserJobStatus": ("GET", "/profiles/bulkInvite/{jobId}", ["jobId"]),
    "ListBulkInviteUserJobs": ("GET", "/profiles/bulkInvite", []),
    "ResendInvite": ("POST", "/profiles/{profileId}/resendInvite", ["profileId"]),
    "GetGlobalSetting": ("GET", "/settings/{key}", ["key"]),
    "UpdateGlobalSetting": ("PUT", "/settings/{key}", ["key", "value"]),
    "CreateLeaderboard": ("POST", "/leaderboards", ["leaderboardDefinition"]),
    "GetLeaderboard": ("GET", "/leaderboards/{leaderboardId}", ["leaderboardId"]),
    "EditLeaderboard": ("PATCH", "/leaderboards/{leaderboardId}", ["leaderboardId", "leaderboardDefinition"]),
    "ListLeaderboards": ("GET", "/leaderboards", []),
    "DeleteLeaderboard": ("DELETE", "/leaderboards/{leaderboardId}", ["leaderboardId"]),
    "TestRewardFunction": ("POST", "/rewardFunction", ["rewardFunction", "trackConfig"]),
}


def _operations_called() -> set[str]:
    """Every `.call("Operation", ...)` in the kit (helpers, labs, benchmarks)."""
    found = set()
    for folder in ("helpers", "labs", "benchmarks"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "call" and node.args and \
                        isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str) and \
                        re.fullmatch(r"[A-Z][A-Za-z]+", node.args[0].value):
                    found.add(node.args[0].value)
    return found


def test_the_record_matches_the_model():
    assert set(RECORD["operations"]) == set(MODEL)
    for name, (method, path, required) in MODEL.items():
        op = RECORD["operations"][name]
        assert (op["method"], op["path"], op["required"]) == (method, path, required), name
    assert RECORD["operations"]["BulkInviteUser"]["code"] == 202
    assert RECORD["constraints"]["BulkInviteEntryList"] == {"min": 1, "max": 200}
    assert "aws-solutions/deepracer-on-aws" in RECORD["source"]


def test_every_operation_the_kit_calls_is_recorded():
    called = _operations_called()
    assert {"CreateProfile", "BulkInviteUser", "GetBulkInviteUserJobStatus", "UpdateProfile"} <= called
    assert called <= set(RECORD["operations"]), called - set(RECORD["operations"])


class _Recorder:
    """Stands in for urllib: keeps the request, answers with a recorded response."""

    def __init__(self, status: int = 200, body: dict | None = None, headers: dict | None = None) -> None:
        self.status, self.body, self.headers, self.requests = status, body or {}, headers or {}, []

    def __call__(self, request, timeout=None):
        self.requests.append(request)
        payload = json.dumps(self.body).encode()
        if self.status >= 300:
            raise urllib.error.HTTPError(request.full_url, self.status, "error", self.headers, io.BytesIO(payload))
        return _Response(payload)


class _Response(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.fixture
def api():
    creds = dra_client.Credentials("ASIAEXAMPLE000000000", "secret", "token", 4_102_444_800, "us-east-1:id")
    return dra_client.DeepRacerApi("https://abc123.execute-api.us-east-1.amazonaws.com/prod/", "us-east-1", creds)


@pytest.mark.parametrize("call,method,path,body", [
    (lambda a: a.create_profile("ada@example.com"), "POST", "/prod/profile", {"emailAddress": "ada@example.com"}),
    (lambda a: a.bulk_invite([{"emailAddress": "b@example.com"}], client_token="tok-1"), "POST",
     "/prod/profiles/bulkInvite", {"profiles": [{"emailAddress": "b@example.com"}], "clientToken": "tok-1"}),
    (lambda a: a.bulk_invite_status("01JABCDEFGHJKMNPQRSTVWXYZ0"), "GET",
     "/prod/profiles/bulkInvite/01JABCDEFGHJKMNPQRSTVWXYZ0", None),
    (lambda a: a.update_profile("abcdefghijklmno", maxTotalComputeMinutes=60), "PATCH", "/prod/profile",
     {"maxTotalComputeMinutes": 60, "profileId": "abcdefghijklmno"}),
    (lambda a: a.delete_profile("abcdefghijklmno"), "DELETE", "/prod/profiles/abcdefghijklmno", None),
    (lambda a: a.put_setting("registration.type", "invite-only"), "PUT", "/prod/settings/registration.type",
     {"value": "invite-only"}),
    (lambda a: a.set_group("abcdefghijklmno", "dr-racers"), "PUT", "/prod/profile/role",
     {"profileId": "abcdefghijklmno", "targetUserPoolGroup": "dr-racers"}),
    (lambda a: a.resend_invite("abcdefghijklmno"), "POST", "/prod/profiles/abcdefghijklmno/resendInvite", None),
])
def test_the_client_sends_the_models_requests_signed(monkeypatch, api, call, method, path, body):
    recorder = _Recorder(body={"message": "ok", "jobId": "01JABCDEFGHJKMNPQRSTVWXYZ0", "status": "PROCESSING",
                               "totalEntries": 1, "profile": {}, "processedCount": 0})
    monkeypatch.setattr(dra_client.urllib.request, "urlopen", recorder)
    call(api)
    (request,) = recorder.requests
    assert request.get_method() == method
    assert request.full_url.split("amazonaws.com", 1)[1] == path
    sent = json.loads(request.data) if request.data else None
    assert sent == body
    auth = request.headers["Authorization"]
    assert auth.startswith("AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE000000000/") and "/us-east-1/execute-api/" in auth
    assert request.headers["X-amz-security-token"] == "token"


def test_the_client_reads_the_models_errors(monkeypatch, api):
    monkeypatch.setattr(dra_client.urllib.request, "urlopen", _Recorder(
        400, {"message": "A user with this email address already exists."}, {"x-amzn-errortype": "BadRequestError"}))
    with pytest.raises(dra_client.ApiError) as err:
        api.create_profile("ada@example.com")
    assert (err.value.status, err.value.error_type, err.value.already_exists, err.value.retryable) == (
        400, "BadRequestError", True, False)
    monkeypatch.setattr(dra_client.urllib.request, "urlopen", _Recorder(
        403, {"Message": "User: arn:aws:sts::1:assumed-role/r/CognitoIdentityCredentials is not authorized"},
        {"x-amzn-errortype": "AccessDeniedException:http://internal.amazon.com/coral/"}))
    with pytest.raises(dra_client.ApiError) as err:
        api.get_profile()
    assert err.value.error_type == "AccessDeniedException" and "not authorized" in err.value.message
    monkeypatch.setattr(dra_client.urllib.request, "urlopen", _Recorder(429, {"message": "Too Many Requests"}))
    with pytest.raises(dra_client.ApiError) as err:
        api.get_profile()
    assert err.value.retryable


def test_the_stand_in_serves_every_recorded_operation(session):
    standin = session.runtime.deepracer
    assert set(standin._handlers) == set(RECORD["operations"])
