"""The DeepRacer on AWS stand-in and the Cognito pieces under it, through the kit's own client.

What an organiser relies on: the stack deploys and is found by namespace, the admin signs in from the
invitation, every request is SigV4-checked, racers are refused what the solution's IAM policies refuse
them, the model's constraints and status codes hold (400/403/404/409, 202 for bulk invites), bulk
invites are polled to completion and deduplicated, and Cognito's daily email limit bites.
"""
from __future__ import annotations

import json
import time
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest

from helpers import deepracer_on_aws as dra
from helpers.emulator import sigv4

ADMIN = "race-admin@example.com"


@pytest.fixture(scope="module")
def deployment(session):
    ns = "t" + session.runtime.endpoint_url.rsplit(":", 1)[-1][-4:]
    dep = dra.find_deployment(session, ns) or dra.launch(session, ns, ADMIN)
    dra.use_ses(session, dep, "events@example.com")  # tests invite more than Cognito's 50 a day
    yield dep
    session.client("cloudformation").delete_stack(StackName=dep.stack_name)


@pytest.fixture(scope="module")
def admin(session, deployment):
    user, password = dra.invitation(session, ADMIN)
    return dra.sign_in_as(session, deployment, ADMIN, password, new_password="Adm1n!-pass")


def _racer(session, deployment, admin, email: str) -> dra.DeepRacerApi:
    admin.create_profile(email)
    _, password = dra.invitation(session, email)
    return dra.sign_in_as(session, deployment, email, password, new_password="Rac3r!-pass")


# -- deployment ------------------------------------------------------------------------------------
def test_the_stack_is_found_by_namespace_with_its_outputs(session, deployment):
    found = dra.find_deployment(session, deployment.namespace)
    assert found == deployment and found.status == "CREATE_COMPLETE"
    assert found.api_url.endswith("/prod/") and found.user_pool_id and found.identity_pool_id and found.client_id
    assert dra.find_deployment(session, "nosuchns") is None
    groups = {g["GroupName"] for g in session.client("cognito-idp").list_groups(
        UserPoolId=deployment.user_pool_id)["Groups"]}
    assert groups == set(dra.GROUPS)


def test_template_parameters_are_checked_like_cloudformation(session):
    from botocore.exceptions import ClientError

    cfn = session.client("cloudformation")
    with pytest.raises(ClientError, match="Namespace"):
        cfn.create_stack(StackName="bad-ns", TemplateURL=dra.TEMPLATE_URL, Parameters=[
            {"ParameterKey": "AdminEmail", "ParameterValue": ADMIN},
            {"ParameterKey": "Namespace", "ParameterValue": "Has-Upper"}])
    with pytest.raises(ClientError, match="AdminEmail"):
        cfn.create_stack(StackName="bad-mail", TemplateURL=dra.TEMPLATE_URL, Parameters=[
            {"ParameterKey": "AdminEmail", "ParameterValue": "not-an-address"}])


def test_the_admin_is_invited_and_must_choose_a_password(session, deployment, admin):
    mail = [m for m in session.outbox.list(to=ADMIN) if m.subject == "Welcome to DeepRacer on AWS"]
    assert mail and deployment.site_url in mail[0].text
    assert admin.get_profile()["roleName"] == "dr-admins"
    other = "second-admin@example.com"
    admin.create_profile(other)
    _, password = dra.invitation(session, other)
    with pytest.raises(dra.SignInError, match="temporary password"):
        dra.sign_in_as(session, deployment, other, password)


# -- SigV4 and roles -------------------------------------------------------------------------------
def test_requests_are_refused_unless_signed_with_the_issued_secret(session, deployment, admin):
    c = admin.credentials
    forged = dra.DeepRacerApi(deployment.api_url, deployment.region,
                              dra.Credentials(c.access_key_id, "not-the-secret", c.session_token, c.expires_at, ""))
    with pytest.raises(dra.ApiError) as err:
        forged.get_profile()
    assert err.value.status == 403 and "signature we calculated does not match" in err.value.message
    unknown = dra.DeepRacerApi(deployment.api_url, deployment.region,
                               dra.Credentials("ASIAUNKNOWN000000000", "x", "y", c.expires_at, ""))
    with pytest.raises(dra.ApiError, match="security token included in the request is invalid"):
        unknown.get_profile()
    with pytest.raises(urllib.error.HTTPError) as raw:
        urllib.request.urlopen(deployment.api_url + "profile", timeout=10)
    assert raw.value.code == 403 and json.loads(raw.value.read())["message"] == "Missing Authentication Token"


def test_a_stale_signature_is_refused():
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="GET", url="http://127.0.0.1:1/x/prod/profile")
    SigV4Auth(Credentials("AKID", "secret"), "execute-api", "us-east-1").add_auth(request)
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert sigv4.verify("GET", request.url, headers, b"", "secret").access_key_id == "AKID"
    with pytest.raises(sigv4.SignatureError, match="does not match"):
        sigv4.verify("GET", request.url, headers, b"", "other")
    later = datetime.now(timezone.utc) + timedelta(minutes=6)
    with pytest.raises(sigv4.SignatureError, match="Signature expired"):
        sigv4.verify("GET", request.url, headers, b"", "secret", now=later)


def test_a_racer_is_refused_admin_operations_by_the_group_role(session, deployment, admin, unique):
    racer = _racer(session, deployment, admin, f"racer-{unique}@example.com")
    assert racer.get_profile()["roleName"] == "dr-racers"
    for attempt in (lambda: racer.put_setting("registration.type", "self-service"),
                    lambda: racer.bulk_invite([{"emailAddress": f"x-{unique}@example.com"}]),
                    lambda: list(racer.profiles())):
        with pytest.raises(dra.ApiError) as err:
            attempt()
        assert err.value.status == 403 and err.value.error_type == "AccessDeniedException"
        assert "RacerRole/CognitoIdentityCredentials is not authorized to perform: execute-api:Invoke" in \
            err.value.message
    with pytest.raises(dra.ApiError) as err:  # PATCH /profile is allowed to racers, other profiles are not
        racer.update_profile(admin.get_profile()["profileId"], maxModelCount=99)
    assert err.value.status == 403 and err.value.error_type == "NotAuthorizedError"


# -- profiles, settings, races -------------------------------------------------------------------
def test_create_profile_rejects_duplicates_and_bad_addresses(admin, unique):
    email = f"dup-{unique}@example.com"
    assert "Profile created" in admin.create_profile(email)["message"]
    with pytest.raises(dra.ApiError) as err:
        admin.create_profile(email.upper())
    assert err.value.status == 400 and err.value.already_exists
    with pytest.raises(dra.ApiError) as err:
        admin.create_profile("no-at-sign")
    assert err.value.status == 400 and err.value.message == "Invalid email address format."
    with pytest.raises(ValueError, match="emailAddress"):
        admin.call("CreateProfile")


def test_limits_per_racer_and_global_settings_read_back(admin, unique):
    admin.create_profile(f"limits-{unique}@example.com")
    profile = admin.find_profile(f"limits-{unique}@example.com")
    updated = admin.update_profile(profile["profileId"], maxTotalComputeMinutes=120, maxModelCount=2)
    assert (updated["maxTotalComputeMinutes"], updated["maxModelCount"]) == (120, 2)
    admin.put_setting("usageQuotas.newUser", {"newUserComputeMinutesLimit": 300, "newUserModelCountLimit": 4})
    assert admin.get_setting("usageQuotas.newUser.newUserComputeMinutesLimit") == 300
    with pytest.raises(dra.ApiError) as err:
        admin.put_setting("registration.type", "everyone")
    assert err.value.status == 400 and "Invalid request structure" in err.value.message
    with pytest.raises(dra.ApiError) as err:
        admin.get_setting("nosuch.key")
    assert err.value.status == 404
    with pytest.raises(dra.ApiError) as err:
        admin.update_profile("AAAAAAAAAAAAAAA", maxModelCount=1)
    assert err.value.status == 404


def test_leaderboards_are_validated_and_read_back(admin):
    definition = {"name": "Summit Cup", "openTime": "2026-12-03T09:00:00Z", "closeTime": "2026-12-03T17:00:00Z",
                  "trackConfig": {"trackId": "reInvent2019_track", "trackDirection": "COUNTER_CLOCKWISE"},
                  "raceType": "TIME_TRIAL", "maxSubmissionsPerUser": 5, "timingMethod": "BEST_LAP_TIME",
                  "resettingBehaviorConfig": {"continuousLap": True},
                  "submissionTerminationConditions": {"minimumLaps": 1, "maximumLaps": 3}}
    board = admin.create_leaderboard(definition)
    assert admin.get_leaderboard(board)["name"] == "Summit Cup"
    assert admin.edit_leaderboard(board, {**definition, "maxSubmissionsPerUser": 9})["maxSubmissionsPerUser"] == 9
    assert board in {b["leaderboardId"] for b in admin.leaderboards()}
    with pytest.raises(dra.ApiError) as err:
        admin.create_leaderboard({**definition, "closeTime": "2026-12-02T00:00:00Z"})
    assert err.value.status == 400
    with pytest.raises(dra.ApiError) as err:
        admin.create_leaderboard({**definition, "trackConfig": {"trackId": "nowhere", "trackDirection": "CLOCKWISE"}})
    assert err.value.status == 400 and "Invalid request body" in err.value.body["errorMessage"]
    admin.delete_leaderboard(board)
    with pytest.raises(dra.ApiError) as err:
        admin.get_leaderboard(board)
    assert err.value.status == 404


def test_reward_functions_are_tested_by_the_validator(admin):
    assert admin.test_reward_function("def reward_function(params):\n    return 1.0\n") == []
    errors = admin.test_reward_function("import os\ndef reward_function(params):\n    return 1.0\n")
    assert errors[0]["type"] == "IMPORT_ERROR" and errors[0]["lineNumber"] == 1 and errors[0]["line"] == "import os"
    assert admin.test_reward_function("def reward_function(params)\n  return 1")[0]["type"] == "SYNTAX_ERROR"


# -- bulk invitations ----------------------------------------------------------------------------
def test_bulk_invite_is_accepted_polled_and_deduplicated(session, admin, unique):
    with pytest.raises(ValueError, match="1 to 200"):
        admin.bulk_invite([{"emailAddress": f"a{i}@example.com"} for i in range(201)])
    with pytest.raises(dra.ApiError) as err:  # the API refuses it too, not only the client
        admin.call("BulkInviteUser", profiles=[{"emailAddress": f"a{i}@example.com"} for i in range(201)])
    assert err.value.status == 400
    existing = f"bulk-existing-{unique}@example.com"
    admin.create_profile(existing)
    entries = [{"emailAddress": f"bulk-{unique}-{i}@example.com", "displayName": f"Racer {i}"} for i in range(12)]
    entries += [{"emailAddress": existing}, {"emailAddress": "broken@@example"}]
    job = admin.bulk_invite(entries, client_token=f"import-{unique}")
    assert job["status"] == "PROCESSING" and job["totalEntries"] == 14
    again = admin.bulk_invite(entries, client_token=f"import-{unique}")
    assert again["jobId"] == job["jobId"]  # a retry with the same token is the same job
    seen = []
    done = admin.wait_bulk_invite(job["jobId"], progress=lambda s: seen.append(s["processedCount"]))
    assert (done["status"], done["createdCount"], done["skippedCount"], done["failedCount"]) == ("COMPLETED", 12, 1, 1)
    assert seen == sorted(seen)
    assert len(session.outbox.list(to=f"bulk-{unique}-3@example.com")) == 1
    listed = admin.call("ListBulkInviteUserJobs")["jobs"]
    assert listed[0]["jobId"] == job["jobId"]
    with pytest.raises(dra.ApiError) as err:
        admin.bulk_invite_status("0" * 26)
    assert err.value.status == 404


def test_a_second_bulk_job_while_one_runs_is_a_conflict(session, deployment, admin, unique):
    first = admin.bulk_invite([{"emailAddress": f"c-{unique}-{i}@example.com"} for i in range(60)])
    try:
        with pytest.raises(dra.ApiError) as err:
            admin.bulk_invite([{"emailAddress": f"d-{unique}@example.com"}])
        assert err.value.status == 409 and err.value.error_type == "ConflictError"
    finally:
        admin.wait_bulk_invite(first["jobId"])


# -- Cognito under it ------------------------------------------------------------------------------
def test_cognito_default_email_stops_at_50_a_day_and_creates_no_user(session):
    idp = session.client("cognito-idp", region_name="eu-west-3")
    pool = idp.create_user_pool(PoolName="mail-limit")["UserPool"]["Id"]
    try:
        for i in range(50):
            idp.admin_create_user(UserPoolId=pool, Username=f"u{i}", DesiredDeliveryMediums=["EMAIL"],
                                  UserAttributes=[{"Name": "email", "Value": f"limit-{i}@example.com"}])
        with pytest.raises(idp.exceptions.LimitExceededException, match="Exceeded daily email limit"):
            idp.admin_create_user(UserPoolId=pool, Username="u50", DesiredDeliveryMediums=["EMAIL"],
                                  UserAttributes=[{"Name": "email", "Value": "limit-50@example.com"}])
        assert "u50" not in {u["Username"] for u in idp.list_users(UserPoolId=pool)["Users"]}
        idp.admin_create_user(UserPoolId=pool, Username="quiet", MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email", "Value": "quiet@example.com"}])
        assert session.outbox.list(to="limit-49@example.com") and not session.outbox.list(to="limit-50@example.com")
    finally:
        idp.delete_user_pool(UserPoolId=pool)


def test_identity_pool_credentials_need_a_valid_login(session, deployment, admin):
    ci = session.client("cognito-identity")
    provider = f"cognito-idp.{deployment.region}.amazonaws.com/{deployment.user_pool_id}"
    with pytest.raises(ci.exceptions.NotAuthorizedException):
        ci.get_id(IdentityPoolId=deployment.identity_pool_id, Logins={provider: "not.a.token"})
    with pytest.raises(ci.exceptions.NotAuthorizedException):
        ci.get_id(IdentityPoolId=deployment.identity_pool_id, Logins={})
    roles = ci.get_identity_pool_roles(IdentityPoolId=deployment.identity_pool_id)
    rules = next(iter(roles["RoleMappings"].values()))["RulesConfiguration"]["Rules"]
    assert [r["Value"] for r in rules] == list(dra.GROUPS)
    issued = session.runtime.cognito.issued(admin.credentials.access_key_id)
    assert issued.role_arn.endswith("AdminRole") and issued.expires_at > time.time()
