"""Lab 01's footprint for the cleanup rehearsal: what the event setup creates, with the lab's helpers."""
from __future__ import annotations

from helpers.resources.footprint import Footprint
from labs.deepracer_event import event as event_state, identity, solution, spend

ADMIN = "deepracer-admins@example.com"


def build(session, event: str, fp: Footprint) -> None:
    deployment, admin = solution.event_admin(session, event, ADMIN)
    fp.add("01", f"DeepRacer on AWS stack {deployment.stack_name} (user pool, identity pool, roles, API, table), "
                 f"admin secret {solution.admin_secret_name(event)}", "solution.event_admin")
    identity.setup_event_identity(session, event)
    fp.add("01", f"admin role {event}-admin, group {event}-racers, permission set {event}-racer + assignment",
           "identity.setup_event_identity")
    config = event_state.save_config(session, event_state.EventConfig(
        name=event, display_name=f"{event} (cleanup rehearsal)", racers_expected=50, quota_hours_per_racer=5,
        budget_usd=500, allowed_domains="example.com"))
    solution.configure(admin, config)
    solution.ensure_race(admin, deployment, config, "reInvent2019_track")
    fp.add("01", f"tables {event}-event and {event}-racers, event configuration, the race", "event.save_config, "
                 "solution.configure, solution.ensure_race")
    spend.ensure_budget(session, event, 500, [ADMIN])
    spend.ensure_spend_alarm(session, event, 500)
    fp.add("01", f"budget {spend.budget_name(event)}, alarm {spend.alarm_name(event)}",
           "spend.ensure_budget, spend.ensure_spend_alarm")
