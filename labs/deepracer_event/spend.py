"""Watching the event's spend with AWS's own alarms, not with the notebook.

Two signals, because neither is enough alone:

* an AWS Budgets cost budget filtered to the event's cost allocation tag:
  it tells the event's spend apart from the rest of the account and
  forecasts, but Cost Explorer data lags by hours (and the `event` tag must
  be activated as a cost allocation tag in the Billing console first);
* a CloudWatch alarm on `AWS/Billing EstimatedCharges`: account-wide, but
  refreshed every few hours, so it is the earlier warning on the day.

Both functions are idempotent: a notebook cell can be re-run safely, and a
changed amount updates the existing resource instead of failing.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol

from botocore.exceptions import ClientError

from helpers.aws import BILLING_REGION  # noqa: F401 - the only region that publishes billing metrics
from helpers.tagging import check_event_name

# Budget notifications: an early warning on what was spent, and a warning on
# what the month is forecast to reach, so there is time to pause sponsorship.
BUDGET_NOTIFICATIONS = (
    {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN",
     "Threshold": 80.0, "ThresholdType": "PERCENTAGE"},
    {"NotificationType": "FORECASTED", "ComparisonOperator": "GREATER_THAN",
     "Threshold": 100.0, "ThresholdType": "PERCENTAGE"},
)
MAX_EMAIL_SUBSCRIBERS = 10  # AWS Budgets: email subscribers per notification
ALARM_PERIOD_SECONDS = 21_600  # billing metrics arrive about every 6 hours


class SpendSession(Protocol):
    """What these helpers need from a WorkshopSession (and what a test fake provides)."""

    account_id: str
    tags: dict[str, str]

    @property
    def tag_list(self) -> list[dict[str, str]]: ...

    def client(self, service: str, **kwargs: Any) -> Any: ...


def budget_name(event: str) -> str:
    return f"{check_event_name(event)}-deepracer"


def alarm_name(event: str) -> str:
    return f"{check_event_name(event)}-estimated-charges"


def ensure_budget(session: SpendSession, event: str, amount_usd: float,
                  notify_emails: list[str]) -> dict[str, Any]:
    """Create the event's cost budget, or bring its limit up to date; return it as AWS has it.

    Reading it back (budget plus notifications) is what the notebook shows, so
    the organiser sees what AWS holds rather than what was asked for.
    """
    name = budget_name(event)
    if not amount_usd > 0:
        raise ValueError(f"amount_usd must be positive (got {amount_usd!r})")
    emails = [e.strip() for e in notify_emails if e and e.strip()]
    if not emails or len(emails) > MAX_EMAIL_SUBSCRIBERS:
        raise ValueError(f"notify_emails needs 1 to {MAX_EMAIL_SUBSCRIBERS} addresses "
                         f"(AWS Budgets' limit per notification), got {len(emails)}")

    budgets = session.client("budgets")
    account = session.account_id
    wanted = {
        "BudgetName": name,
        "BudgetLimit": {"Amount": _usd(amount_usd), "Unit": "USD"},
        "CostFilters": {"TagKeyValue": [f"user:event${event}"]},
        "TimeUnit": "MONTHLY",
        "BudgetType": "COST",
    }
    subscribers = [{"SubscriptionType": "EMAIL", "Address": e} for e in emails]
    existing = _describe_budget(budgets, account, name)
    if existing is None:
        _create_budget(budgets, session, wanted, subscribers)
    else:
        if Decimal(existing["BudgetLimit"]["Amount"]) != Decimal(_usd(amount_usd)):
            _update_budget(budgets, session, wanted, subscribers)
        have = budgets.describe_notifications_for_budget(
            AccountId=account, BudgetName=name).get("Notifications", [])
        for notification in BUDGET_NOTIFICATIONS:
            if not any(_same_notification(notification, h) for h in have):
                budgets.create_notification(AccountId=account, BudgetName=name,
                                            Notification=notification, Subscribers=subscribers)

    return {
        "Budget": budgets.describe_budget(AccountId=account, BudgetName=name)["Budget"],
        "Notifications": budgets.describe_notifications_for_budget(
            AccountId=account, BudgetName=name).get("Notifications", []),
    }


def _usd(amount: float) -> str:
    """Budgets stores amounts as strings; cents are the precision that matters."""
    return str(Decimal(str(amount)).quantize(Decimal("0.01")))


def _describe_budget(budgets, account: str, name: str) -> dict[str, Any] | None:
    try:
        return budgets.describe_budget(AccountId=account, BudgetName=name)["Budget"]
    except ClientError as err:
        if err.response["Error"]["Code"] == "NotFoundException":
            return None
        raise


def _create_budget(budgets, session: SpendSession, budget: dict[str, Any],
                   subscribers: list[dict[str, str]]) -> None:
    budgets.create_budget(
        AccountId=session.account_id, Budget=budget,
        NotificationsWithSubscribers=[{"Notification": n, "Subscribers": subscribers}
                                      for n in BUDGET_NOTIFICATIONS],
        ResourceTags=session.tag_list,
    )


def _update_budget(budgets, session: SpendSession, budget: dict[str, Any],
                   subscribers: list[dict[str, str]]) -> None:
    """UpdateBudget keeps the budget's history; the local emulator lacks it, so there we recreate.

    The local runtime answers it `NotImplemented` (moto has no UpdateBudget); a local session is
    recognised by its mode and does not even ask.
    """
    if not getattr(session, "local", False):
        try:
            budgets.update_budget(AccountId=session.account_id, NewBudget=budget)
            return
        except NotImplementedError:  # moto in-process
            pass
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") != "NotImplemented":
                raise
    budgets.delete_budget(AccountId=session.account_id, BudgetName=budget["BudgetName"])
    _create_budget(budgets, session, budget, subscribers)


def _same_notification(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = ("NotificationType", "ComparisonOperator", "ThresholdType")
    same_threshold = float(a["Threshold"]) == float(b["Threshold"])
    return same_threshold and all(a.get(k) == b.get(k) for k in keys)


def ensure_spend_alarm(session: SpendSession, event: str, threshold_usd: float,
                       topic_arn: str | None = None) -> str:
    """Alarm when the account's estimated charges pass the threshold; return its name as read back.

    EstimatedCharges is account-wide (no tag filter exists for it), so set the
    threshold to what the account normally spends plus the event budget.
    The alarm is only rewritten when its settings differ, so re-running a
    cell neither resets its state nor its configuration timestamp.
    """
    name = alarm_name(event)
    if not threshold_usd > 0:
        raise ValueError(f"threshold_usd must be positive (got {threshold_usd!r})")
    cloudwatch = (session.client("cloudwatch")
                  if getattr(session, "region", BILLING_REGION) == BILLING_REGION
                  else session.client("cloudwatch", region_name=BILLING_REGION))
    wanted = {
        "AlarmName": name,
        "AlarmDescription": f"Account estimated charges above ${threshold_usd:,.2f} "
                            f"(DeepRacer event {event})",
        "Namespace": "AWS/Billing",
        "MetricName": "EstimatedCharges",
        "Dimensions": [{"Name": "Currency", "Value": "USD"}],
        "Statistic": "Maximum",
        "Period": ALARM_PERIOD_SECONDS,
        "EvaluationPeriods": 1,
        "Threshold": float(threshold_usd),
        "ComparisonOperator": "GreaterThanThreshold",
        "AlarmActions": [topic_arn] if topic_arn else [],
    }
    found = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    if not found or any(found[0].get(k) != v for k, v in wanted.items()):
        cloudwatch.put_metric_alarm(**wanted, Tags=session.tag_list)
        if found:  # PutMetricAlarm ignores Tags when it updates an existing alarm
            cloudwatch.tag_resource(ResourceARN=found[0]["AlarmArn"], Tags=session.tag_list)
    return cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["AlarmName"]
