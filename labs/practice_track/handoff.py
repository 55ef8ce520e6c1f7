"""Taking a reward function from the practice track to the event: DeepRacer on AWS's own check.

The practice track validates a function the way the solution does; the hand-off asks the solution
itself (its `TestRewardFunction` operation, POST /rewardFunction) before a racer spends training
quota on it. A racer signs in as themselves (the invitation lab 02 sent); the answer is the
solution's list of errors, empty when the function passed.

Local mode runs alone: it finds the event's stand-in deployment or launches one, and signs in as a
practice racer created with the pool's admin API, so the notebook needs no other lab first.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from helpers import deepracer_on_aws as dra

PRACTICE_RACER = "practice-racer"
LOCAL_ADMIN_EMAIL = "deepracer-admins@example.com"  # who a locally launched stand-in invites as its admin
PASSWORD_ENV = "DEEPRACER_PASSWORD"  # aws mode: the racer's password, never a notebook parameter


@dataclass(frozen=True)
class SolutionCheck:
    """The solution's verdict on one reward function, for one of its tracks."""

    track_id: str
    errors: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def message(self) -> str:
        if self.ok:
            return f"DeepRacer on AWS accepts it for {self.track_id}: no errors."
        lines = [f"DeepRacer on AWS refuses it for {self.track_id}:"]
        for e in self.errors:
            where = f" (line {e['lineNumber']}: {e.get('line', '').strip()})" if "lineNumber" in e else ""
            lines.append(f"  {e.get('type', 'ERROR')}: {e.get('message', '')}{where}")
        return "\n".join(lines)


def connect(session, event: str, *, racer: str = "", password: str | None = None,
            namespace: str | None = None) -> tuple[dra.Deployment, dra.DeepRacerApi]:
    """The event's deployment and a client signed in as the racer.

    aws mode: `racer` is your DeepRacer on AWS user name or email and the password comes from the
    argument or the DEEPRACER_PASSWORD environment variable (kept out of the notebook). Local mode: a
    practice racer in the `dr-racers` group of the event's stand-in deployment (launched if missing)."""
    ns = namespace or dra.namespace_for(event)
    dep = dra.find_deployment(session, ns)
    if session.local:
        dep = dep or dra.launch(session, ns, LOCAL_ADMIN_EMAIL)
        user = racer or PRACTICE_RACER
        return dep, dra.sign_in_as(session, dep, user, dra.local_user(session, dep, user, "dr-racers"))
    if dep is None:
        raise LookupError(f"no DeepRacer on AWS stack with Namespace={ns} in {session.region}: ask the organiser "
                          "for the event's region and namespace (lab 01 launches the solution)")
    password = password if password is not None else os.environ.get(PASSWORD_ENV, "")
    if not racer or not password:
        raise ValueError(f"set RACER to your DeepRacer on AWS user (the email your invitation went to) and the "
                         f"{PASSWORD_ENV} environment variable to its password, or paste the function into "
                         f"{dep.site_url or 'the solution website'} (Models, Create model)")
    return dep, dra.sign_in_as(session, dep, racer, password)


def check_on_solution(api: dra.DeepRacerApi, source: str, track_id: str = "reInvent2019_track",
                      direction: str = "COUNTER_CLOCKWISE") -> SolutionCheck:
    """Ask the solution's TestRewardFunction; a bad track id is the caller's mistake, said before the call."""
    tracks = dra.MODEL["constraints"]["TrackIds"]
    if track_id not in tracks:
        raise ValueError(f"{track_id!r} is not one of DeepRacer on AWS's tracks (e.g. {', '.join(tracks[:4])}, ...)")
    return SolutionCheck(track_id, api.test_reward_function(source, track_id, direction))
