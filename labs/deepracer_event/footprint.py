"""Lab 01's footprint for the cleanup rehearsal: what the event setup creates, with the lab's helpers."""
from __future__ import annotations

from helpers.resources.footprint import Footprint
from labs.deepracer_event import event as event_state, identity, spend


def build(session, event: str, fp: Footprint) -> None:
    identity.setup_event_identity(session, event)
    fp.add("01", f"admin role {event}-admin, group {event}-racers, permission set {event}-racer + assignment",
           "identity.setup_event_identity")
    event_state.save_config(session, event_state.EventConfig(
        name=event, display_name=f"{event} (cleanup rehearsal)", racers_expected=50, quota_hours_per_racer=5,
        budget_usd=500, allowed_domains="example.com"))
    fp.add("01", f"tables {event}-event and {event}-racers, event configuration", "event.save_config")
    spend.ensure_budget(session, event, 500, ["deepracer-admins@example.com"])
    spend.ensure_spend_alarm(session, event, 500)
    fp.add("01", f"budget {spend.budget_name(event)}, alarm {spend.alarm_name(event)}",
           "spend.ensure_budget, spend.ensure_spend_alarm")
