"""The event's state: configuration, sponsorship, per-racer quotas.

DeepRacer's multi-user mode has no public API, so the organiser's decisions
(expected racers, training-hour quota, budget, sponsorship active/paused,
race URL, registration open/closed) are recorded in a small DynamoDB table
next to the roster. The registration function reads it (is registration
open? which domains? which race URL goes in the email?) and admins change it
from the notebooks. In aws mode the organiser mirrors a change in the
DeepRacer console (the notebook prints the exact steps).
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from helpers.tagging import check_event_name

_SER, _DESER = TypeSerializer(), TypeDeserializer()


@dataclass
class EventConfig:
    name: str
    display_name: str
    racers_expected: int
    quota_hours_per_racer: float
    budget_usd: float
    allowed_domains: str
    event_hours: float = 8.0
    races_planned: int = 1
    race_url: str = ""
    sponsorship: str = "active"  # active | paused | ended
    registration_open: bool = True
    created_at: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        check_event_name(self.name)
        if self.racers_expected < 1:
            raise ValueError("racers_expected must be at least 1")
        if self.quota_hours_per_racer <= 0:
            raise ValueError("quota_hours_per_racer must be positive (hours of training per racer)")
        if self.budget_usd <= 0:
            raise ValueError("budget_usd must be positive")
        if self.sponsorship not in ("active", "paused", "ended"):
            raise ValueError("sponsorship must be active, paused or ended")


def table_names(event: str) -> dict[str, str]:
    return {"event": f"{event}-event", "racers": f"{event}-racers"}


def _wait_active(ddb, name: str) -> None:
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})


def ensure_tables(session, event: str) -> dict[str, str]:
    """The event table and the racer roster (with its stream); created if missing."""
    ddb = session.client("dynamodb")
    names = table_names(event)
    existing = set(ddb.list_tables()["TableNames"])
    if names["event"] not in existing:
        ddb.create_table(TableName=names["event"], BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], Tags=session.tag_list)
    if names["racers"] not in existing:
        ddb.create_table(TableName=names["racers"], BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "email", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "email", "KeyType": "HASH"}],
                         StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
                         SSESpecification={"Enabled": True},
                         Tags=session.tag_list)
    for name in names.values():
        _wait_active(ddb, name)
    return names


def _to_item(values: dict) -> dict:
    clean = {k: (Decimal(str(v)) if isinstance(v, float) else v) for k, v in values.items()}
    return {k: _SER.serialize(v) for k, v in clean.items()}


def _from_item(item: dict) -> dict:
    out = {}
    for k, v in item.items():
        val = _DESER.deserialize(v)
        if isinstance(val, Decimal):
            val = int(val) if val == val.to_integral_value() else float(val)
        out[k] = val
    return out


def save_config(session, config: EventConfig) -> EventConfig:
    names = ensure_tables(session, config.name)
    session.client("dynamodb").put_item(TableName=names["event"], Item=_to_item({"pk": "EVENT", **asdict(config)}))
    return config


def load_config(session, event: str) -> EventConfig:
    names = table_names(event)
    item = session.client("dynamodb").get_item(TableName=names["event"], Key={"pk": {"S": "EVENT"}},
                                               ConsistentRead=True).get("Item")
    if not item:
        raise LookupError(f"event {event!r} has no configuration yet: run notebook 01 (or save_config) first")
    data = _from_item(item)
    data.pop("pk", None)
    return EventConfig(**data)


def update_config(session, event: str, **changes) -> EventConfig:
    config = load_config(session, event)
    data = asdict(config)
    unknown = set(changes) - set(data)
    if unknown:
        raise ValueError(f"unknown event setting(s): {sorted(unknown)}")
    data.update(changes)
    return save_config(session, EventConfig(**data))


# -- sponsorship and quotas ------------------------------------------------------
def set_sponsorship(session, event: str, state: str, racer: str | None = None) -> dict:
    """Pause/resume sponsorship for the whole event, or for one racer."""
    if state not in ("active", "paused", "ended"):
        raise ValueError("state must be active, paused or ended")
    if racer is None:
        update_config(session, event, sponsorship=state)
        return {"scope": "event", "sponsorship": state}
    return _set_racer(session, event, racer, sponsorship=state)


def set_quota(session, event: str, racer: str, hours: float) -> dict:
    if not 0 <= hours <= 1000:
        raise ValueError("quota must be between 0 and 1000 training hours")
    return _set_racer(session, event, racer, quota_hours=float(hours))


def _set_racer(session, event: str, racer: str, **values) -> dict:
    email = racer.strip().casefold()
    item = {"pk": f"RACER#{email}", "email": email, "updated_at": time.time(), **values}
    names = table_names(event)
    ddb = session.client("dynamodb")
    sets = ", ".join(f"#{k} = :{k}" for k in item if k != "pk")
    ddb.update_item(TableName=names["event"], Key={"pk": {"S": item["pk"]}}, UpdateExpression="SET " + sets,
                    ExpressionAttributeNames={f"#{k}": k for k in item if k != "pk"},
                    ExpressionAttributeValues={f":{k}": _SER.serialize(Decimal(str(v)) if isinstance(v, float) else v)
                                               for k, v in item.items() if k != "pk"})
    return effective_sponsorship(session, event, email)


def effective_sponsorship(session, event: str, racer: str) -> dict:
    """What applies to one racer: their own setting, else the event's."""
    config = load_config(session, event)
    email = racer.strip().casefold()
    item = session.client("dynamodb").get_item(TableName=table_names(event)["event"],
                                               Key={"pk": {"S": f"RACER#{email}"}}, ConsistentRead=True).get("Item")
    own = _from_item(item) if item else {}
    state = own.get("sponsorship", config.sponsorship)
    if config.sponsorship in ("paused", "ended"):
        state = config.sponsorship  # an event-wide pause wins over a racer's own setting
    return {"racer": email, "sponsorship": state,
            "quota_hours": float(own.get("quota_hours", config.quota_hours_per_racer)),
            "override": bool(own)}


def racer_overrides(session, event: str) -> list[dict]:
    ddb = session.client("dynamodb")
    items, kwargs = [], {"TableName": table_names(event)["event"]}
    while True:
        page = ddb.scan(**kwargs)
        items += [_from_item(i) for i in page.get("Items", []) if i["pk"]["S"].startswith("RACER#")]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def console_steps(config: EventConfig, portal_url: str) -> list[str]:
    """What the seed clicked in the DeepRacer console (retired at the end of 2025): kept as history."""
    return [
        "Sign in to the sponsoring account as the event admin (role with AWSDeepRacerAccountAdminAccess).",
        "Open the AWS DeepRacer console in us-east-1 -> Multi-user management -> Set up multi-user account.",
        "Step 1, Activate multi-user account mode: tick the confirmation and choose 'Activate'.",
        f"Step 2, Set usage quotas: maximum training hours per racer = {config.quota_hours_per_racer:g}; "
        "choose 'Save'.",
        "Step 3, Send invitations: skip (registration emails come from notebook 02); the sign-in link racers "
        f"use is the AWS access portal: {portal_url}",
        f"Monitor: Multi-user management -> Monitor usage shows estimated spend against ${config.budget_usd:,.0f}.",
        "At the end of the event: Multi-user management -> Deactivate multi-user account mode.",
    ]
