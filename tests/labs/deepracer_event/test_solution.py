"""Lab 01 on DeepRacer on AWS: the admin, the settings, the race, the levers, the capacity, the identity."""
from __future__ import annotations

import json

import pytest

from helpers import deepracer_on_aws as dra
from labs.deepracer_event import capacity, event, identity, solution

ADMIN = "lab01-admin@example.com"


@pytest.fixture(scope="module")
def event_name(session):
    return "solution-test"


@pytest.fixture(scope="module")
def admin(session, event_name):
    deployment, api = solution.event_admin(session, event_name, ADMIN)
    dra.use_ses(session, deployment, "deepracer-events@example.com")
    yield deployment, api
    session.client("cloudformation").delete_stack(StackName=deployment.stack_name)
    session.client("secretsmanager").delete_secret(SecretId=solution.admin_secret_name(event_name),
                                                   ForceDeleteWithoutRecovery=True)


@pytest.fixture(scope="module")
def config(session, event_name, admin):
    return event.save_config(session, event.EventConfig(
        name=event_name, display_name="Solution Test Cup", racers_expected=40, quota_hours_per_racer=2,
        budget_usd=300, allowed_domains="example.com", models_per_racer=3))


def test_namespace_follows_the_solutions_pattern():
    assert solution.namespace_for("summit-cup") == "summitcup"
    assert solution.namespace_for("A-Very-Long-Event-Name-2026") == "averylongeve"
    with pytest.raises(ValueError, match="at least 3"):
        solution.namespace_for("a-1")


def test_the_admin_signs_in_again_from_the_secret(session, event_name, admin):
    deployment, api = admin
    again_dep, again = solution.event_admin(session, event_name, ADMIN, launch_if_missing=False)
    assert again_dep == deployment and again.get_profile()["roleName"] == "dr-admins"
    stored = json.loads(session.client("secretsmanager").get_secret_value(
        SecretId=solution.admin_secret_name(event_name))["SecretString"])
    assert stored["username"] == ADMIN and len(stored["password"]) >= 20
    with pytest.raises(LookupError, match="no DeepRacer on AWS stack"):
        solution.event_admin(session, "nothing-here", ADMIN, launch_if_missing=False)


def test_configure_writes_and_reads_back_every_setting(admin, config):
    _, api = admin
    rows = solution.configure(api, config)
    assert all(r["as planned"] for r in rows) and len(rows) == 5
    assert api.get_setting("usageQuotas.newUser.newUserComputeMinutesLimit") == 120
    assert api.get_setting("usageQuotas.global.globalModelCountLimit") == 3 * 40


def test_the_race_is_created_once_with_its_url(admin, config):
    deployment, api = admin
    first = solution.ensure_race(api, deployment, config, "reinvent_base")
    second = solution.ensure_race(api, deployment, config, "reinvent_base")
    assert first == second and first.url.startswith(deployment.site_url) and first.leaderboard_id in first.url
    assert [b["name"] for b in api.leaderboards()].count("Solution Test Cup") == 1


def test_pausing_caps_compute_at_what_was_used_and_resuming_restores_the_quota(admin, config, unique):
    _, api = admin
    email = f"levers-{unique}@example.com"
    api.create_profile(email)
    profile = api.find_profile(email)
    api.update_profile(profile["profileId"], computeMinutesUsed=35, computeMinutesQueued=10)
    assert solution.pause_racer(api, email)["maxTotalComputeMinutes"] == 45
    assert solution.resume_racer(api, email, config)["maxTotalComputeMinutes"] == 120
    cap = solution.pause_everyone(api)
    assert cap >= 45 and api.get_setting("usageQuotas.global.globalComputeMinutesLimit") == cap
    assert solution.resume_everyone(api, config) == 120 * 40
    with pytest.raises(LookupError, match="no profile"):
        solution.pause_racer(api, f"nobody-{unique}@example.com")


def test_capacity_says_where_each_figure_came_from(session, admin):
    deployment, _ = admin
    cap = capacity.read_capacity(session, deployment)
    assert cap.training_slots == 8 and "implementation guide" in cap.slots_source
    assert cap.email_delivery == "SES" and cap.emails_per_day == 200 and cap.ses_production is False
    assert "planning figure" in cap.price_source
    before = capacity.read_capacity(session, None)
    assert (before.email_delivery, before.emails_per_day) == ("Cognito default", 50)


def test_racers_get_the_enterprise_identity_provider(session, admin):
    deployment, _ = admin
    got = identity.enterprise_sign_in(session, deployment, "Corp", metadata_xml=identity.sample_idp_metadata())
    assert got == {"provider": "Corp", "type": "SAML", "email from": identity.SAML_EMAIL_CLAIM,
                   "offered by the web client": True}
    again = identity.enterprise_sign_in(session, deployment, "Corp", metadata_xml=identity.sample_idp_metadata())
    assert again == got  # a re-run updates, not duplicates
    client = session.client("cognito-idp").describe_user_pool_client(
        UserPoolId=deployment.user_pool_id, ClientId=deployment.client_id)["UserPoolClient"]
    assert "ALLOW_USER_PASSWORD_AUTH" in client["ExplicitAuthFlows"]  # the client kept its other settings
    with pytest.raises(ValueError, match="metadata"):
        identity.enterprise_sign_in(session, deployment, "Corp")


def test_the_admin_role_policy_is_scoped_to_the_event(session):
    doc = identity.admin_policy(session, "summit-cup")
    actions = [a for st in doc["Statement"] for a in st["Action"]]
    assert not any(a.startswith("deepracer:") for a in actions)
    secret = next(st for st in doc["Statement"] if st["Sid"] == "EventSecret")
    assert secret["Resource"].endswith(":secret:summit-cup/*")
