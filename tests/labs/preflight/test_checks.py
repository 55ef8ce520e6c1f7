"""Lab 00: the actions the labs call, the limits of an event on DeepRacer on AWS, the plan of every lab."""
from __future__ import annotations

import re
import uuid

import boto3
import pytest
from botocore.stub import Stubber

from helpers import deepracer_on_aws as dra
from labs import LABS
from labs.deepracer_event import capacity, event, identity, solution, spend
from labs.practice_track import handoff
from labs.preflight import checks
from labs.registration import lab as registration
from labs.registration import roster
from labs.registration.stack import wait_until_processed

ADMIN = "preflight-admin@example.com"


# -- what the labs really call, recorded in local mode ------------------------------------------------
_RENAMED = {  # botocore operation -> IAM action, where the names differ
    ("budgets", "CreateBudget"): "budgets:ModifyBudget", ("budgets", "CreateNotification"): "budgets:ModifyBudget",
    ("budgets", "UpdateBudget"): "budgets:ModifyBudget", ("budgets", "DeleteBudget"): "budgets:ModifyBudget",
    ("budgets", "DescribeBudget"): "budgets:ViewBudget",
    ("budgets", "DescribeNotificationsForBudget"): "budgets:ViewBudget",
    ("lambda", "Invoke"): "lambda:InvokeFunction",
}
_PREFIX = {"monitoring": "cloudwatch"}  # signing name -> IAM prefix, where they differ


def iam_action(model) -> str:
    service = model.service_model
    if service.service_name == "apigatewayv2":  # API Gateway's actions are HTTP methods
        return f"apigateway:{model.http['method']}"
    return _RENAMED.get((service.signing_name, model.name),
                        f"{_PREFIX.get(service.signing_name, service.signing_name)}:{model.name}")


class Recorder:
    """Every AWS call made through the session's clients while recording, as IAM actions."""

    def __init__(self, session) -> None:
        self.session, self.actions = session, set()

    def __call__(self, model, **_):
        self.actions.add(iam_action(model))

    def __enter__(self):
        self.session.boto.events.register("before-call", self)
        return self.actions

    def __exit__(self, *exc):
        self.session.boto.events.unregister("before-call", self)


def test_the_action_mapping_can_tell_a_missing_action():
    """The recording is only a test if an unlisted call shows up: one the labs never make is not listed."""
    iam = boto3.client("iam", region_name="us-east-1")
    model = iam.meta.service_model.operation_model("DeleteAccountAlias")
    assert iam_action(model) == "iam:DeleteAccountAlias"
    assert all("iam:DeleteAccountAlias" not in actions for actions in checks.REQUIRED_ACTIONS.values())
    cw = boto3.client("cloudwatch", region_name="us-east-1").meta.service_model.operation_model("PutMetricAlarm")
    assert iam_action(cw) == "cloudwatch:PutMetricAlarm"


@pytest.fixture(scope="module")
def recorded(session, tmp_path_factory):
    """Labs 00, 01, 02 and 07 run as the notebooks run them (in that order, one event)."""
    name = f"pf-{uuid.uuid4().hex[:8]}"
    calls = {}
    with Recorder(session) as calls["00 preflight"]:
        checks.account_limits(session, name, racers_expected=300)
        checks.check_permissions(session)
    with Recorder(session) as calls["01 multi-user event"]:
        deployment, admin = solution.event_admin(session, name, ADMIN)
        identity.enterprise_sign_in(session, deployment, "Enterprise", metadata_xml=identity.sample_idp_metadata())
        ident = identity.setup_event_identity(session, name)
        identity.verify_event_identity(session, ident)
        config = event.save_config(session, event.EventConfig(
            name=name, display_name="Preflight Cup", racers_expected=300, quota_hours_per_racer=5,
            budget_usd=5000, allowed_domains="example.com", solution_url=deployment.site_url))
        solution.configure(admin, config)
        race = solution.ensure_race(admin, deployment, config, "reInvent2019_track")
        event.update_config(session, name, race_url=race.url)
        capacity.read_capacity(session, deployment)
        dra.use_ses(session, deployment, "deepracer-events@example.com")
        capacity.read_capacity(session, deployment)
        spend.ensure_budget(session, name, 5000, [ADMIN])
        spend.ensure_spend_alarm(session, name, 5000)
        event.set_sponsorship(session, name, "paused")
    csv = tmp_path_factory.mktemp("roster") / "racers.csv"
    csv.write_text("email,alias,experience\npf.one@example.com,pf-one,beginner\npf.two@example.com,pf-two,none\n")
    with Recorder(session) as calls["02 registering racers"]:
        reg = registration.prepare(session, name, display_name="Preflight Cup", allowed_domains="example.com")
        roster.bulk_import(session, reg.stack, csv, "example.com", api=reg.admin, progress=False)
        assert wait_until_processed(session, reg.stack, timeout=120)  # provisioned: offboarding has users to remove
        roster.roster(session, reg.stack)
        roster.parked(session, reg.stack)
        roster.redrive(session, reg.stack)
        identity.group_members(session, reg.identity)
        roster.offboard(session, reg.stack, reg.identity, api=reg.admin)
    with Recorder(session) as calls["07 reward practice track"]:
        _, racer = handoff.connect(session, name)  # finds lab 01's deployment
        handoff.check_on_solution(racer, "def reward_function(params):\n    return 1.0\n")
    yield calls
    session.client("cloudformation").delete_stack(StackName=deployment.stack_name)
    for secret in (solution.admin_secret_name(name), registration.service_secret_name(name)):
        session.client("secretsmanager").delete_secret(SecretId=secret, ForceDeleteWithoutRecovery=True)


# Calls a lab makes in local mode only (handoff.connect: a practice racer made with the pool's admin API, and
# the stand-in launched if missing; in aws mode racers sign in as themselves to the organiser's deployment).
LOCAL_ONLY = {"07 reward practice track": {"cloudformation:CreateStack", "cognito-idp:AdminGetUser",
                                           "cognito-idp:AdminCreateUser", "cognito-idp:AdminSetUserPassword",
                                           "cognito-idp:AdminAddUserToGroup"}}


@pytest.mark.parametrize("lab", list(checks.REQUIRED_ACTIONS))
def test_required_actions_cover_every_call_the_lab_makes(recorded, lab):
    calls = recorded[lab]
    assert calls, "nothing was recorded: the recorder is broken"
    unlisted = sorted(calls - set(checks.REQUIRED_ACTIONS[lab]) - set(checks.NO_PERMISSION_NEEDED)
                      - LOCAL_ONLY.get(lab, set()))
    assert not unlisted, f"lab {lab} calls actions REQUIRED_ACTIONS does not list: {unlisted}"


def test_required_actions_name_the_solution_and_its_aws_only_calls():
    need = checks.REQUIRED_ACTIONS
    for action in ("cloudformation:CreateStack", "cloudformation:DescribeStacks", "secretsmanager:GetSecretValue",
                   "servicequotas:GetServiceQuota", "pricing:GetProducts", "ses:GetAccount",
                   "cognito-idp:UpdateUserPool"):
        assert action in need["01 multi-user event"], action
    for action in ("cognito-idp:AdminCreateUser", "cognito-idp:AdminSetUserPassword",
                   "cognito-idp:AdminAddUserToGroup", "secretsmanager:CreateSecret", "iam:PassRole",
                   "iam:PutRolePolicy", "lambda:CreateFunction", "apigateway:POST", "sqs:CreateQueue",
                   # aws mode only (CloudFormation deploys the SAM template; the local path does not call these)
                   "cloudformation:CreateStack", "cloudformation:CreateChangeSet", "s3:PutObject",
                   # the notebook's own calls: the stream read back, the function invoked
                   "dynamodb:GetRecords", "lambda:InvokeFunction"):
        assert action in need["02 registering racers"], action
    assert "iam:SimulatePrincipalPolicy" in need["00 preflight"]


def test_required_actions_drop_what_no_longer_applies():
    every = [a for actions in checks.REQUIRED_ACTIONS.values() for a in actions]
    assert all(re.fullmatch(r"[a-z0-9-]+:[A-Z][A-Za-z0-9]+|apigateway:[A-Z]+", a) for a in every), every
    assert not [a for a in every if a.startswith("deepracer:")], "the retired console's actions are gone"
    assert "iam:AttachRolePolicy" not in every  # the retired DeepRacer managed policies were attached with it
    assert not set(every) & set(checks.NO_PERMISSION_NEEDED), "public calls are not simulated"
    assert checks.REQUIRED_ACTIONS["07 reward practice track"] == ["cloudformation:DescribeStacks"]


# -- limits ----------------------------------------------------------------------------------------
def rows_by_kind(rows):
    kinds = {"deployment": "DeepRacer on AWS deployment", "training": "SageMaker training jobs",
             "ses": "SES account", "emails": "emails a day for", "identity": "IAM Identity Center",
             "lambda": "Lambda concurrent"}
    found = {kind: [r for r in rows if r["limit"].startswith(prefix)] for kind, prefix in kinds.items()}
    assert all(len(v) == 1 for v in found.values()), found
    return {kind: v[0] for kind, v in found.items()}


def test_limits_before_the_solution_is_deployed(session):
    rows = checks.account_limits(session, f"nodep-{uuid.uuid4().hex[:6]}", racers_expected=10)
    assert all(set(r) == {"limit", "value", "status"} and r["status"] in checks.STATUSES for r in rows), rows
    got = rows_by_kind(rows)
    assert got["deployment"]["value"] == "not deployed yet: lab 01 launches it"
    assert got["deployment"]["status"] == "info"
    assert dra.TRAINING_QUOTA_CODE in got["training"]["limit"]
    assert dra.TRAINING_INSTANCE_TYPE in got["training"]["limit"]
    assert got["training"]["value"].startswith("8 assumed") and got["training"]["status"] == "info"
    assert got["ses"]["status"] == "check" and "sandbox" in got["ses"]["value"]  # the emulator's new account
    assert got["emails"]["status"] == "ok" and "Cognito" in got["emails"]["value"]
    assert got["identity"]["status"] == "ok" and got["identity"]["value"].startswith("d-")
    assert not any("retired" in r["value"] or "sponsoring" in r["limit"] for r in rows)


def test_limits_once_the_solution_is_deployed(session):
    name = f"dep-{uuid.uuid4().hex[:6]}"
    deployment, _ = solution.event_admin(session, name, ADMIN)
    try:
        got = rows_by_kind(checks.account_limits(session, name, racers_expected=10))
        assert got["deployment"]["status"] == "ok"
        assert deployment.stack_name in got["deployment"]["value"]
        assert deployment.site_url and deployment.site_url in got["deployment"]["value"]
        assert "Cognito" in got["emails"]["value"]  # the new pool uses Cognito's sender
        dra.use_ses(session, deployment, "deepracer-events@example.com")
        after = rows_by_kind(checks.account_limits(session, name, racers_expected=10))
        assert "through SES" in after["emails"]["value"] and after["emails"]["status"] == "ok"  # 20 of 200
        assert checks.to_check(checks.account_limits(session, name, racers_expected=150)) == [
            "SES account", "emails a day for 150 racers"]  # 300 SES mails > 200
    finally:
        session.client("cloudformation").delete_stack(StackName=deployment.stack_name)
        session.client("secretsmanager").delete_secret(SecretId=solution.admin_secret_name(name),
                                                       ForceDeleteWithoutRecovery=True)


def test_email_status_flips_when_racers_exceed_what_can_be_mailed(session):
    name = f"mail-{uuid.uuid4().hex[:6]}"
    few = rows_by_kind(checks.account_limits(session, name, racers_expected=50))["emails"]
    many = rows_by_kind(checks.account_limits(session, name, racers_expected=101))["emails"]
    assert few["status"] == "ok"  # 50 invitations from Cognito, 50 event emails from SES (200 a day)
    assert many["status"] == "check" and "202 SES mails > the SES quota of 200" in many["value"]


@pytest.mark.parametrize("racers, via, ses_per_day, status", [
    (50, "Cognito default", 200, "ok"),
    (51, "Cognito default", 200, "check"),   # more invitations than Cognito's 50 a day
    (100, "SES", 200, "ok"),                 # 100 invitations + 100 event emails
    (101, "SES", 200, "check"),
    (5000, "SES", 50_000, "ok"),
    (5000, "SES", -1, "ok"),                 # -1: no SES limit
    (10, "SES", None, "check"),              # the SES account did not answer
])
def test_email_capacity_decision(racers, via, ses_per_day, status):
    row = checks.email_capacity_row(racers, via, ses_per_day)
    assert row["status"] == status, row
    assert row["limit"] == f"emails a day for {racers} racers"


@pytest.mark.parametrize("bad", [0, -3, 2.5, "300", True])
def test_racers_expected_must_be_a_positive_whole_number(bad):
    with pytest.raises(ValueError, match="racers_expected"):
        checks.email_capacity_row(bad, "SES", 200)


class _Failing:
    """A session whose SES and CloudFormation answer AccessDenied, and whose Service Quotas is unreachable."""

    def __init__(self, session) -> None:
        self._session = session

    def __getattr__(self, name):
        return getattr(self._session, name)

    def client(self, service, **kwargs):
        if service in ("sesv2", "cloudformation"):
            real = self._session.client(service, **kwargs)
            stub = Stubber(real)
            for method in ("get_account", "describe_stacks"):
                if hasattr(real, method):
                    stub.add_client_error(method, "AccessDenied", "not allowed")
            stub.activate()
            return real
        if service == "service-quotas":
            raise RuntimeError("unreachable")
        return self._session.client(service, **kwargs)


def test_limits_say_what_did_not_answer_instead_of_crashing(session):
    rows = checks.account_limits(_Failing(session), "summit-cup", racers_expected=300)
    got = rows_by_kind(rows)
    assert got["ses"]["status"] == "check" and got["ses"]["value"].startswith("AccessDenied")
    assert got["deployment"]["status"] == "check" and "AccessDenied" in got["deployment"]["value"]
    assert got["emails"]["status"] == "check" and "unknown" in got["emails"]["value"]
    assert got["training"] == {**got["training"], "status": "n/a", "value": "not available here (RuntimeError)"}


# -- permissions -------------------------------------------------------------------------------------
def test_local_mode_lists_every_action_unsimulated(session):
    rows = checks.check_permissions(session)
    assert {r["decision"] for r in rows} == {"not simulated offline"}
    assert {r["lab"] for r in rows} == set(checks.REQUIRED_ACTIONS)
    assert len(rows) == sum(len(set(a)) for a in checks.REQUIRED_ACTIONS.values())
    assert checks.denied(rows) == [] and checks.permission_summary(rows).endswith("denied: none")


class _AwsSession:
    """aws mode against stubbed IAM and STS (no network): what the simulator answers is scripted."""

    mode, local, region, account_id = "aws", False, "us-east-1", "123456789012"

    def __init__(self, answer) -> None:
        self.answer = answer

    def client(self, service, **_):
        real = boto3.client(service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
        stub = Stubber(real)
        if service == "sts":
            stub.add_response("get_caller_identity", {
                "Account": self.account_id, "UserId": "AROA:me",
                "Arn": f"arn:aws:sts::{self.account_id}:assumed-role/Organiser/me"})
        else:
            for lab, actions in checks.REQUIRED_ACTIONS.items():
                self.answer(stub, list(dict.fromkeys(actions)))
        stub.activate()
        return real


def test_aws_mode_names_each_denied_action():
    def answer(stub, actions):
        stub.add_response("simulate_principal_policy", {"IsTruncated": False, "EvaluationResults": [
            {"EvalActionName": a, "EvalDecision": "implicitDeny" if a == "cloudformation:CreateChangeSet" else
             "allowed"} for a in actions]}, {"PolicySourceArn": "arn:aws:iam::123456789012:role/Organiser",
                                             "ActionNames": actions})

    rows = checks.check_permissions(_AwsSession(answer))
    assert checks.denied(rows) == ["cloudformation:CreateChangeSet"]
    assert checks.permission_summary(rows).endswith("denied: cloudformation:CreateChangeSet")


def test_aws_mode_says_when_it_cannot_simulate():
    def answer(stub, actions):
        stub.add_client_error("simulate_principal_policy", "AccessDenied", "no iam:SimulatePrincipalPolicy")

    rows = checks.check_permissions(_AwsSession(answer))
    assert rows and checks.denied(rows) == []
    assert "could not be simulated (AccessDenied)" in checks.permission_summary(rows)


# -- the plan ---------------------------------------------------------------------------------------
def test_lab_plan_has_one_row_per_registered_lab():
    assert [row["lab"].split()[0] for row in checks.LAB_PLAN] == [lab.number for lab in LABS]
    assert all(set(row) == {"lab", "creates", "minutes", "aws cost"} and all(row.values())
               for row in checks.LAB_PLAN)
    for lab, row in zip(LABS, checks.LAB_PLAN):
        assert row["creates"].startswith("nothing") == (not lab.kinds), (lab.number, row["creates"])
        assert re.match(r"\d+", row["minutes"]), row


def test_not_simulated_names_the_public_calls():
    listed = " ".join(r["calls"] for r in checks.NOT_SIMULATED)
    assert all(a.split(":")[1] in listed for a in checks.NO_PERMISSION_NEEDED)
    assert "TestRewardFunction" in listed  # the solution's API is the user's identity-pool role's business
