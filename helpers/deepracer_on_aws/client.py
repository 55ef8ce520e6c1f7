"""A small typed Python client for DeepRacer on AWS's API (there is no official one).

The solution's API is API Gateway with the `AWS_IAM` authoriser: a caller
signs in to the solution's user pool, trades the ID token for identity-pool
credentials (the role of the caller's group: admin, race facilitator or
racer) and signs every request with SigV4 for `execute-api`. This module does
exactly that and nothing else, with boto3/botocore and the standard library
only, because the registration lab's provisioning function ships it in its
deployment package (no `helpers`, no `requests` there).

Operation names, methods, paths and required members come from
`operations.json` beside this file: the kit's record of the solution's
Smithy model (its `source` says where and when it was read).
"""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

MODEL = json.loads((Path(__file__).with_name("operations.json")).read_text())
OPERATIONS: dict[str, dict] = MODEL["operations"]
RETRYABLE = {429, 500, 502, 503, 504}


class ApiError(Exception):
    """A non-2xx answer: `status`, `error_type` (x-amzn-errortype or the body's), `message`, `body`."""

    def __init__(self, operation: str, status: int, error_type: str, message: str, body: Any) -> None:
        super().__init__(f"{operation}: {status} {error_type}: {message}")
        self.operation, self.status, self.error_type, self.message, self.body = (
            operation, status, error_type, message, body)

    @property
    def retryable(self) -> bool:
        return self.status in RETRYABLE

    @property
    def already_exists(self) -> bool:
        """CreateProfile answers 400 with this message when the address has a user already."""
        return self.status in (400, 409) and "already exists" in self.message


class SignInError(Exception):
    """Signing in to the user pool or the identity pool failed; the message says what to do."""


@dataclass
class Credentials:
    access_key_id: str
    secret_key: str
    session_token: str
    expires_at: float
    identity_id: str

    def fresh(self, margin: float = 120) -> bool:
        return self.expires_at - margin > time.time()


def sign_in(cognito_idp, cognito_identity, *, client_id: str, user_pool_id: str, identity_pool_id: str,
            region: str, username: str, password: str, new_password: str | None = None) -> Credentials:
    """User pool sign-in (USER_PASSWORD_AUTH, the solution's web client allows it), then identity-pool keys.

    An invited user's first sign-in answers NEW_PASSWORD_REQUIRED: pass `new_password` to set it
    (it must follow the pool's policy: 8+ characters with upper, lower, digit and symbol)."""
    try:
        auth = cognito_idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                         AuthParameters={"USERNAME": username, "PASSWORD": password})
    except cognito_idp.exceptions.NotAuthorizedException as exc:
        raise SignInError(f"{username}: {exc.response['Error']['Message']}") from None
    except cognito_idp.exceptions.UserNotFoundException:
        raise SignInError(f"{username}: no such user in the solution's user pool") from None
    if auth.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
        if not new_password:
            raise SignInError(f"{username} still has the temporary password from the invitation: sign in with "
                              "new_password= to choose the permanent one")
        auth = cognito_idp.respond_to_auth_challenge(
            ClientId=client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=auth["Session"],
            ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": new_password})
    elif auth.get("ChallengeName"):
        raise SignInError(f"{username}: the user pool asks for {auth['ChallengeName']}, which this client does not "
                          "answer (sign in once in the solution's website)")
    token = auth["AuthenticationResult"]["IdToken"]
    logins = {f"cognito-idp.{region}.amazonaws.com/{user_pool_id}": token}
    identity = cognito_identity.get_id(IdentityPoolId=identity_pool_id, Logins=logins)["IdentityId"]
    creds = cognito_identity.get_credentials_for_identity(IdentityId=identity, Logins=logins)["Credentials"]
    expiration = creds["Expiration"]
    expires = expiration.timestamp() if hasattr(expiration, "timestamp") else float(expiration)
    return Credentials(creds["AccessKeyId"], creds["SecretKey"], creds["SessionToken"], expires, identity)


class DeepRacerApi:
    """Calls the solution's operations, signed; `refresh()` gives new credentials when these run out."""

    def __init__(self, api_url: str, region: str, credentials: Credentials,
                 refresh: Callable[[], Credentials] | None = None, *, timeout: float = 30) -> None:
        self.api_url = api_url.rstrip("/") + "/"
        self.region = region
        self.credentials = credentials
        self._refresh = refresh
        self.timeout = timeout

    # -- the wire -----------------------------------------------------------------------------
    def call(self, operation: str, **params: Any) -> dict:
        """One operation by its model name; path labels and the list token are taken from `params`."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials as BotoCredentials

        spec = OPERATIONS.get(operation)
        if spec is None:
            raise ValueError(f"{operation} is not an operation of the kit's DeepRacer on AWS model "
                             f"(known: {', '.join(sorted(OPERATIONS))})")
        missing = [r for r in spec["required"] if r not in params]
        if missing:
            raise ValueError(f"{operation} needs {', '.join(missing)}")
        path, body = spec["path"], dict(params)
        for label in [p[1:-1] for p in path.split("/") if p.startswith("{")]:
            path = path.replace("{" + label + "}", urllib.parse.quote(str(body.pop(label)), safe=""))
        query = {}
        if spec["method"] == "GET" and "token" in body:
            token = body.pop("token")
            if token:
                query["token"] = token
        url = self.api_url + path.lstrip("/") + (f"?{urllib.parse.urlencode(query)}" if query else "")
        data = json.dumps(body).encode() if body and spec["method"] not in ("GET", "DELETE") else None
        if self._refresh is not None and not self.credentials.fresh():
            self.credentials = self._refresh()
        c = self.credentials
        request = AWSRequest(method=spec["method"], url=url, data=data or b"",
                             headers={"content-type": "application/json"} if data else {})
        SigV4Auth(BotoCredentials(c.access_key_id, c.secret_key, c.session_token), "execute-api",
                  self.region).add_auth(request)
        prepared = urllib.request.Request(url, data=data, method=spec["method"], headers=dict(request.headers))
        try:
            with urllib.request.urlopen(prepared, timeout=self.timeout) as resp:
                raw = resp.read()
                return json.loads(raw) if raw else {}
        except urllib.error.HTTPError as err:
            raw = err.read()
            try:
                payload = json.loads(raw) if raw else {}
            except ValueError:
                payload = {"message": raw.decode("utf-8", "replace")}
            message = (payload.get("message") or payload.get("Message") or payload.get("errorMessage") or ""
                       if isinstance(payload, dict) else str(payload))
            error_type = err.headers.get("x-amzn-errortype", "").split(":")[0] or (
                payload.get("__type", "") if isinstance(payload, dict) else "")
            raise ApiError(operation, err.code, error_type, message, payload) from None

    # -- profiles -----------------------------------------------------------------------------
    def create_profile(self, email: str) -> dict:
        return self.call("CreateProfile", emailAddress=email)

    def get_profile(self) -> dict:
        return self.call("GetProfile")["profile"]

    def profiles(self) -> Iterator[dict]:
        """Every profile (admins only), following the list token."""
        token = None
        while True:
            page = self.call("ListProfiles", token=token)
            yield from page.get("profiles", [])
            token = page.get("token")
            if not token:
                return

    def find_profile(self, email: str) -> dict | None:
        want = email.strip().casefold()
        return next((p for p in self.profiles() if (p.get("emailAddress") or "").casefold() == want), None)

    def update_profile(self, profile_id: str | None = None, **fields: Any) -> dict:
        """Fields by their model names (maxTotalComputeMinutes, maxModelCount, alias, ...)."""
        if profile_id:
            fields["profileId"] = profile_id
        return self.call("UpdateProfile", **fields)["profile"]

    def delete_profile(self, profile_id: str) -> None:
        self.call("DeleteProfile", profileId=profile_id)

    def set_group(self, profile_id: str, group: str) -> None:
        self.call("UpdateGroupMembership", profileId=profile_id, targetUserPoolGroup=group)

    def resend_invite(self, profile_id: str) -> str:
        return self.call("ResendInvite", profileId=profile_id)["message"]

    # -- bulk invitations ------------------------------------------------------------------------
    def bulk_invite(self, entries: list[dict], client_token: str | None = None) -> dict:
        limit = MODEL["constraints"]["BulkInviteEntryList"]["max"]
        if not 1 <= len(entries) <= limit:
            raise ValueError(f"BulkInviteUser takes 1 to {limit} entries per call (got {len(entries)})")
        params: dict[str, Any] = {"profiles": entries}
        if client_token:
            params["clientToken"] = client_token
        return self.call("BulkInviteUser", **params)

    def bulk_invite_status(self, job_id: str) -> dict:
        return self.call("GetBulkInviteUserJobStatus", jobId=job_id)

    def wait_bulk_invite(self, job_id: str, *, timeout: float = 900, poll: float = 0.5,
                         progress: Callable[[dict], None] | None = None) -> dict:
        """Poll until the job leaves PROCESSING (the solution marks a job older than 30 min EXPIRED)."""
        deadline = time.time() + timeout
        while True:
            status = self.bulk_invite_status(job_id)
            if progress is not None:
                progress(status)
            if status["status"] != "PROCESSING":
                return status
            if time.time() > deadline:
                raise TimeoutError(f"bulk invite job {job_id} still PROCESSING after {timeout:.0f} s "
                                   f"({status['processedCount']}/{status['totalEntries']} done)")
            time.sleep(poll)

    # -- settings ------------------------------------------------------------------------------
    def get_setting(self, key: str) -> Any:
        return self.call("GetGlobalSetting", key=key)["value"]

    def put_setting(self, key: str, value: Any) -> None:
        self.call("UpdateGlobalSetting", key=key, value=value)

    # -- races ---------------------------------------------------------------------------------
    def create_leaderboard(self, definition: dict) -> str:
        return self.call("CreateLeaderboard", leaderboardDefinition=definition)["leaderboardId"]

    def edit_leaderboard(self, leaderboard_id: str, definition: dict) -> dict:
        return self.call("EditLeaderboard", leaderboardId=leaderboard_id,
                         leaderboardDefinition=definition)["leaderboard"]

    def get_leaderboard(self, leaderboard_id: str) -> dict:
        return self.call("GetLeaderboard", leaderboardId=leaderboard_id)["leaderboard"]

    def leaderboards(self) -> list[dict]:
        return self.call("ListLeaderboards").get("leaderboards", [])

    def delete_leaderboard(self, leaderboard_id: str) -> None:
        self.call("DeleteLeaderboard", leaderboardId=leaderboard_id)

    # -- reward functions ------------------------------------------------------------------------
    def test_reward_function(self, code: str, track_id: str = "reInvent2019_track",
                             direction: str = "COUNTER_CLOCKWISE") -> list[dict]:
        """The validator's errors (empty: the function passed)."""
        return self.call("TestRewardFunction", rewardFunction=code,
                         trackConfig={"trackId": track_id, "trackDirection": direction})["errors"]
