"""Tags: how the workshop finds (and later deletes) exactly what it made.

Every resource a lab creates carries `workshop=ml-events` and
`event=<event name>`; the cleanup notebook and the inventory look for those.
"""
from __future__ import annotations

import re

WORKSHOP_TAG = "workshop"
WORKSHOP_VALUE = "ml-events"
EVENT_TAG = "event"
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$")


def check_event_name(event: str) -> str:
    """Event names become parts of table, role and group names: keep them safe."""
    if not _NAME.match(event or ""):
        raise ValueError(
            f"event name {event!r} must be 3-40 characters of lowercase letters, digits and '-', "
            "starting and ending with a letter or digit (it becomes part of resource names)"
        )
    return event


def workshop_tags(event: str) -> dict[str, str]:
    return {WORKSHOP_TAG: WORKSHOP_VALUE, EVENT_TAG: check_event_name(event)}


def as_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def as_lower_list(tags: dict[str, str]) -> list[dict[str, str]]:
    """Some APIs (ECR, SSO admin) want `{"Key", "Value"}`; SES v2 and a few others want `Name`."""
    return [{"Name": k, "Value": v} for k, v in tags.items()]
