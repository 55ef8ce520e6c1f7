"""The event's own record: what the organiser decided, where the automation can read it.

The decisions (expected racers, training-hour quota, budget, registration
open/closed, allowed domains, the race URL, whether training is paused) are
kept in a small DynamoDB table next to the roster. The registration function
reads it (is registration open? which domains? which race URL goes in the
email?). DeepRacer on AWS holds what it enforces (quotas, the race itself);
`labs.deepracer_event.solution` writes those through its API, and this table
records the organiser's intent beside them.
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
    sponsorship: str = "active"  # active | paused | ended (training for everyone, as the organiser set it)
    models_per_racer: int = 5
    solution_url: str = ""  # the DeepRacer on AWS website racers sign in to
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
        if not isinstance(self.models_per_racer, int) or self.models_per_racer < 1:
            raise ValueError("models_per_racer must be a whole number of at least 1")


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


# -- what the organiser set during the event ------------------------------------------------------
def set_sponsorship(session, event: str, state: str) -> EventConfig:
    """Record the event-wide training state (the solution's own cap is set by solution.pause_everyone)."""
    if state not in ("active", "paused", "ended"):
        raise ValueError("state must be active, paused or ended")
    return update_config(session, event, sponsorship=state)
