"""The event on DeepRacer on AWS: its deployment, its admin, its settings, its race, the admin's levers.

The seed ran events in the DeepRacer console's multi-user mode (retired at
the end of 2025). Its successor is a solution in the organiser's own account
with an API; everything an admin did in the console is a call here, read
back after it is made:

* `event_admin` finds the solution's stack by namespace (or launches it) and
  signs in as the event admin; the admin's password lives in Secrets Manager
  (`<event>/deepracer-on-aws-admin`) so every notebook, and re-runs, sign in
  the same way;
* `configure` sets registration mode and the global and new-user quotas
  (compute minutes, models) from the event configuration;
* `ensure_race` creates the event's race (a leaderboard) once and returns
  its URL;
* the levers (`set_racer_minutes`, `pause_racer`, `pause_everyone`, ...) are
  the nearest honest equivalents of the console's sponsorship switches: the
  solution has no "pause sponsorship", so a pause caps compute at what was
  already used or queued, and a resume gives the quota back.
"""
from __future__ import annotations

import json
import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from helpers import deepracer_on_aws as dra
from labs.deepracer_event.event import EventConfig


def admin_secret_name(event: str) -> str:
    return f"{event}/deepracer-on-aws-admin"


namespace_for = dra.namespace_for  # the event's Namespace parameter, shared with the labs that find the stack


def _strong_password() -> str:
    body = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(20))
    return f"{body}-Aa1!"


def event_admin(session, event: str, admin_email: str, *, namespace: str | None = None,
                launch_if_missing: bool = True) -> tuple[dra.Deployment, dra.DeepRacerApi]:
    """The deployment and a signed client for the event admin (idempotent: re-runs sign in again).

    aws mode: the first sign-in happens in the solution's website with the invitation email (choose a
    password there), then the password is stored once in Secrets Manager under `admin_secret_name(event)`
    as {"password": "..."}. Local mode does that first sign-in itself from the invitation in the outbox."""
    ns = namespace or namespace_for(event)
    dep = dra.find_deployment(session, ns)
    if dep is None:
        if not launch_if_missing:
            raise LookupError(f"no DeepRacer on AWS stack with Namespace={ns} in {session.region}: run notebook 01 "
                              "(it launches the solution) or give the namespace of your deployment")
        dep = dra.launch(session, ns, admin_email)
    sm = session.client("secretsmanager")
    name = admin_secret_name(event)
    try:
        stored = json.loads(sm.get_secret_value(SecretId=name)["SecretString"])
        return dep, dra.sign_in_as(session, dep, stored.get("username", admin_email), stored["password"])
    except sm.exceptions.ResourceNotFoundException:
        pass
    if not session.local:
        raise RuntimeError(
            f"Sign in once at {dep.site_url or 'the solution website'} as {admin_email} with the temporary password "
            f"from the invitation and choose a password; then store it:\n  aws secretsmanager create-secret --name "
            f"{name} --secret-string '{{\"username\": \"{admin_email}\", \"password\": \"...\"}}'\nand re-run.")
    _, temporary = dra.invitation(session, admin_email)
    password = _strong_password()
    api = dra.sign_in_as(session, dep, admin_email, temporary, new_password=password)
    sm.create_secret(Name=name, SecretString=json.dumps({"username": admin_email, "password": password}),
                     Description="DeepRacer on AWS event admin (local mode: set by notebook 01)",
                     Tags=session.tag_list)
    return dep, api


# -- settings ---------------------------------------------------------------------------------------
def planned_settings(config: EventConfig) -> dict:
    """What the solution should hold for this event: invite-only registration (racers come through the
    registration lab, which invites them), the per-racer quota for every new user, and event-wide caps
    (the sum of all racers' quotas) as a backstop."""
    minutes = int(round(config.quota_hours_per_racer * 60))
    return {
        "registration": {"type": "invite-only"},
        "usageQuotas": {
            "global": {"globalComputeMinutesLimit": minutes * config.racers_expected,
                       "globalModelCountLimit": config.models_per_racer * config.racers_expected},
            "newUser": {"newUserComputeMinutesLimit": minutes, "newUserModelCountLimit": config.models_per_racer},
        },
    }


def configure(api: dra.DeepRacerApi, config: EventConfig) -> list[dict]:
    """Write the planned settings, then read each one back from the solution."""
    plan = planned_settings(config)
    api.put_setting("registration", plan["registration"])
    api.put_setting("usageQuotas", plan["usageQuotas"])
    rows = []
    for key, want in (("registration.type", plan["registration"]["type"]),
                      ("usageQuotas.newUser.newUserComputeMinutesLimit",
                       plan["usageQuotas"]["newUser"]["newUserComputeMinutesLimit"]),
                      ("usageQuotas.newUser.newUserModelCountLimit",
                       plan["usageQuotas"]["newUser"]["newUserModelCountLimit"]),
                      ("usageQuotas.global.globalComputeMinutesLimit",
                       plan["usageQuotas"]["global"]["globalComputeMinutesLimit"]),
                      ("usageQuotas.global.globalModelCountLimit",
                       plan["usageQuotas"]["global"]["globalModelCountLimit"])):
        have = api.get_setting(key)
        rows.append({"setting": key, "value": have, "as planned": have == want})
    return rows


# -- the race ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Race:
    leaderboard_id: str
    name: str
    url: str
    track_id: str
    opens: str
    closes: str


def race_definition(config: EventConfig, track_id: str, opens: datetime, *, max_submissions: int = 5) -> dict:
    closes = opens + timedelta(hours=config.event_hours)
    return {"name": config.display_name[:64], "description": f"{config.display_name} ({config.name})",
            "openTime": opens.strftime("%Y-%m-%dT%H:%M:%SZ"), "closeTime": closes.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "trackConfig": {"trackId": track_id, "trackDirection": "COUNTER_CLOCKWISE"},
            "raceType": "TIME_TRIAL", "maxSubmissionsPerUser": max_submissions, "timingMethod": "BEST_LAP_TIME",
            "resettingBehaviorConfig": {"continuousLap": True, "offTrackPenaltySeconds": 2.0},
            "submissionTerminationConditions": {"minimumLaps": 1, "maximumLaps": 3}}


def ensure_race(api: dra.DeepRacerApi, deployment: dra.Deployment, config: EventConfig, track_id: str,
                opens: datetime | None = None) -> Race:
    """The event's race: found by name, else created (a re-run does not make a second one)."""
    opens = opens or datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    definition = race_definition(config, track_id, opens)
    board = next((b for b in api.leaderboards() if b["name"] == definition["name"]), None)
    if board is None:
        board = api.get_leaderboard(api.create_leaderboard(definition))
    return Race(board["leaderboardId"], board["name"], dra.race_url(deployment, board["leaderboardId"]),
                board["trackConfig"]["trackId"], board["openTime"], board["closeTime"])


# -- the admin's levers during the event -------------------------------------------------------------
def set_racer_minutes(api: dra.DeepRacerApi, email: str, minutes: int) -> dict:
    profile = _profile(api, email)
    return api.update_profile(profile["profileId"], maxTotalComputeMinutes=int(minutes))


def pause_racer(api: dra.DeepRacerApi, email: str) -> dict:
    """Cap the racer's compute at what they have used or queued: nothing new starts, nothing running is cut."""
    profile = _profile(api, email)
    used = int(profile.get("computeMinutesUsed", 0)) + int(profile.get("computeMinutesQueued", 0))
    return api.update_profile(profile["profileId"], maxTotalComputeMinutes=used)


def resume_racer(api: dra.DeepRacerApi, email: str, config: EventConfig) -> dict:
    return set_racer_minutes(api, email, int(round(config.quota_hours_per_racer * 60)))


def compute_used(api: dra.DeepRacerApi) -> int:
    return sum(int(p.get("computeMinutesUsed", 0)) + int(p.get("computeMinutesQueued", 0))
               for p in api.profiles())


def pause_everyone(api: dra.DeepRacerApi) -> int:
    """The event-wide cap down to what all racers have used or queued; returns that cap."""
    cap = compute_used(api)
    api.put_setting("usageQuotas.global.globalComputeMinutesLimit", cap)
    return cap


def resume_everyone(api: dra.DeepRacerApi, config: EventConfig) -> int:
    cap = planned_settings(config)["usageQuotas"]["global"]["globalComputeMinutesLimit"]
    api.put_setting("usageQuotas.global.globalComputeMinutesLimit", cap)
    return cap


def racer_limits(api: dra.DeepRacerApi, email: str) -> dict:
    p = _profile(api, email)
    return {"racer": email, "max minutes": p["maxTotalComputeMinutes"], "used": p["computeMinutesUsed"],
            "queued": p["computeMinutesQueued"], "max models": p["maxModelCount"]}


def _profile(api: dra.DeepRacerApi, email: str) -> dict:
    profile = api.find_profile(email)
    if profile is None:
        raise LookupError(f"{email} has no profile on this DeepRacer on AWS deployment (not invited yet?)")
    return profile


# -- the seed's admin powers, one by one -------------------------------------------------------------
ADMIN_POWERS: list[dict[str, str]] = [
    {"seed (console, retired)": "Set usage quotas (training hours per racer)",
     "DeepRacer on AWS": "UpdateGlobalSetting usageQuotas.newUser (new racers) and UpdateProfile "
                         "maxTotalComputeMinutes / maxModelCount (one racer)",
     "in the kit": "solution.configure, solution.set_racer_minutes"},
    {"seed (console, retired)": "Monitor spend and training hours",
     "DeepRacer on AWS": "ListProfiles: computeMinutesUsed / Queued per racer; the solution's usage summary "
                         "page; AWS Budgets on the event's tags",
     "in the kit": "solution.compute_used, spend.ensure_budget, spend.ensure_spend_alarm"},
    {"seed (console, retired)": "Enable / disable training for everyone",
     "DeepRacer on AWS": "no switch: usageQuotas.global.globalComputeMinutesLimit capped at what is used",
     "in the kit": "solution.pause_everyone / resume_everyone (nearest honest lever)"},
    {"seed (console, retired)": "Pause / resume one racer's sponsorship",
     "DeepRacer on AWS": "no switch: that racer's maxTotalComputeMinutes set to used + queued, then back",
     "in the kit": "solution.pause_racer / resume_racer (nearest honest lever)"},
    {"seed (console, retired)": "View / delete racers' models",
     "DeepRacer on AWS": "ListAdminModels, DeleteProfileModels (admin operations of the model)",
     "in the kit": "not scripted (the website's Manage instance page does it)"},
    {"seed (console, retired)": "Create races and share their URLs",
     "DeepRacer on AWS": "CreateLeaderboard / EditLeaderboard; the race page on the solution's website",
     "in the kit": "solution.ensure_race (URL in the registration email)"},
    {"seed (console, retired)": "End the event (deactivate multi-user mode)",
     "DeepRacer on AWS": "cap global compute, close registration; delete the stack when done",
     "in the kit": "solution.pause_everyone, event.update_config(registration_open=False), lab 99"},
]
