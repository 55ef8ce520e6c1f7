"""Spend monitoring against the embedded runtime: the budget and billing alarm, created once and kept current.

The tests work in an account of their own (a role assumed in 222222222222), emptied after each test, so
they see only their own budget and alarm; the shared runtime of the other tests is left alone (an
in-process moto mock would reset it)."""
from __future__ import annotations

import boto3
import pytest

from labs.deepracer_event.spend import ensure_budget, ensure_spend_alarm

EVENT = "summit-race"


class FakeSession:
    """Just what the spend helpers use from a WorkshopSession."""

    account_id = "222222222222"
    region = "us-east-1"
    tags = {"workshop": "ml-events", "event": EVENT}

    def __init__(self, credentials: dict) -> None:
        self.credentials = credentials

    @property
    def tag_list(self):
        return [{"Key": k, "Value": v} for k, v in self.tags.items()]

    def client(self, name, **kwargs):
        return boto3.client(name, **{**self.credentials, "region_name": kwargs.pop("region_name", self.region)},
                            **kwargs)


@pytest.fixture
def session(session):
    """A FakeSession in the tests' own account of the shared runtime (aws-mode code paths: no `local`)."""
    creds = session.client("sts").assume_role(RoleArn=f"arn:aws:iam::{FakeSession.account_id}:role/spend-tests",
                                              RoleSessionName="spend-tests")["Credentials"]
    fake = FakeSession({"endpoint_url": session.runtime.endpoint_url, "aws_access_key_id": creds["AccessKeyId"],
                        "aws_secret_access_key": creds["SecretAccessKey"], "aws_session_token": creds["SessionToken"]})
    assert fake.client("sts").get_caller_identity()["Account"] == fake.account_id
    yield fake
    budgets, cloudwatch = fake.client("budgets"), fake.client("cloudwatch")
    for b in budgets.describe_budgets(AccountId=fake.account_id).get("Budgets", []):
        budgets.delete_budget(AccountId=fake.account_id, BudgetName=b["BudgetName"])
    names = [a["AlarmName"] for a in cloudwatch.describe_alarms()["MetricAlarms"]]
    if names:
        cloudwatch.delete_alarms(AlarmNames=names)


def _kinds(result):
    return sorted((n["NotificationType"], float(n["Threshold"])) for n in result["Notifications"])


def test_budget_is_created_with_tag_filter_and_notifications(session):
    result = ensure_budget(session, EVENT, 5000, ["ops@example.com"])
    budget = result["Budget"]
    assert budget["BudgetName"] == "summit-race-deepracer"
    assert float(budget["BudgetLimit"]["Amount"]) == 5000
    assert budget["BudgetLimit"]["Unit"] == "USD"
    assert budget["TimeUnit"] == "MONTHLY" and budget["BudgetType"] == "COST"
    assert budget["CostFilters"] == {"TagKeyValue": ["user:event$summit-race"]}
    assert _kinds(result) == [("ACTUAL", 80.0), ("FORECASTED", 100.0)]


def test_budget_is_idempotent(session):
    first = ensure_budget(session, EVENT, 5000, ["ops@example.com"])
    second = ensure_budget(session, EVENT, 5000, ["ops@example.com"])
    assert second["Budget"]["LastUpdatedTime"] == first["Budget"]["LastUpdatedTime"]
    assert _kinds(second) == _kinds(first)
    names = [b["BudgetName"] for b in
             session.client("budgets").describe_budgets(AccountId=session.account_id)["Budgets"]]
    assert names == ["summit-race-deepracer"]


def test_budget_limit_is_updated_and_notifications_kept(session):
    ensure_budget(session, EVENT, 5000, ["ops@example.com"])
    result = ensure_budget(session, EVENT, 7500.5, ["ops@example.com"])
    assert float(result["Budget"]["BudgetLimit"]["Amount"]) == 7500.5
    assert _kinds(result) == [("ACTUAL", 80.0), ("FORECASTED", 100.0)]


def test_local_mode_recreates_the_budget_with_the_new_limit(session):
    """The local runtime has no UpdateBudget: the helper recreates instead of failing."""
    session.local = True
    ensure_budget(session, EVENT, 5000, ["ops@example.com"])
    result = ensure_budget(session, EVENT, 6000, ["ops@example.com"])
    assert float(result["Budget"]["BudgetLimit"]["Amount"]) == 6000
    assert _kinds(result) == [("ACTUAL", 80.0), ("FORECASTED", 100.0)]


def test_missing_notification_is_restored(session):
    ensure_budget(session, EVENT, 5000, ["ops@example.com"])
    budgets = session.client("budgets")
    budgets.delete_notification(
        AccountId=session.account_id, BudgetName="summit-race-deepracer",
        Notification={"NotificationType": "FORECASTED", "ComparisonOperator": "GREATER_THAN",
                      "Threshold": 100.0, "ThresholdType": "PERCENTAGE"})
    assert _kinds(ensure_budget(session, EVENT, 5000, ["ops@example.com"])) == [
        ("ACTUAL", 80.0), ("FORECASTED", 100.0)]


@pytest.mark.parametrize("amount,emails,message", [
    (0, ["ops@example.com"], "amount_usd"),
    (100, [], "notify_emails"),
    (100, [f"u{i}@example.com" for i in range(11)], "notify_emails"),
])
def test_budget_inputs_are_checked(session, amount, emails, message):
    with pytest.raises(ValueError, match=message):
        ensure_budget(session, EVENT, amount, emails)


def _alarms(session):
    return session.client("cloudwatch").describe_alarms(AlarmNamePrefix=EVENT)["MetricAlarms"]


def test_alarm_is_created_on_estimated_charges_and_tagged(session):
    topic = session.client("sns").create_topic(Name="spend")["TopicArn"]
    assert ensure_spend_alarm(session, EVENT, 6000, topic) == "summit-race-estimated-charges"
    (alarm,) = _alarms(session)
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/Billing", "EstimatedCharges")
    assert alarm["Dimensions"] == [{"Name": "Currency", "Value": "USD"}]
    assert (alarm["Statistic"], alarm["Period"], alarm["Threshold"]) == ("Maximum", 21600, 6000.0)
    assert alarm["AlarmActions"] == [topic]
    cloudwatch = session.client("cloudwatch")
    tags = cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]
    assert {t["Key"]: t["Value"] for t in tags} == session.tags


def test_alarm_is_idempotent_and_follows_a_new_threshold(session):
    ensure_spend_alarm(session, EVENT, 6000)
    (first,) = _alarms(session)
    ensure_spend_alarm(session, EVENT, 6000)
    (second,) = _alarms(session)
    updated = "AlarmConfigurationUpdatedTimestamp"
    assert second[updated] == first[updated]
    ensure_spend_alarm(session, EVENT, 9000)
    (third,) = _alarms(session)
    assert third["Threshold"] == 9000.0 and third["AlarmArn"] == first["AlarmArn"]


def test_alarm_threshold_must_be_positive(session):
    with pytest.raises(ValueError, match="threshold_usd"):
        ensure_spend_alarm(session, EVENT, 0)
