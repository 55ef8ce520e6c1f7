"""Lab 02's footprint for the cleanup rehearsal: the registration stack and two registered racers."""
from __future__ import annotations

from helpers.resources.footprint import Footprint
from labs.registration import lab as registration_lab
from labs.registration import roster
from labs.registration.stack import wait_until_processed

RACERS = (("ada.lovelace@example.com", "ada-l"), ("alan.turing@example.com", "enigma-7"))


def build(session, event: str, fp: Footprint, racers: tuple[tuple[str, str], ...] = RACERS) -> None:
    reg = registration_lab.prepare(session, event, display_name=f"{event} (cleanup rehearsal)",
                                   allowed_domains="example.com")
    fp.add("02", "registration stack: queue, role, 2 functions, event source mapping, HTTP API",
           "registration.lab.prepare")
    for email, alias in racers:
        roster.register_via_api(reg.stack, email, alias)
    wait_until_processed(session, reg.stack, timeout=60)
    fp.add("02", f"{len(racers)} racers registered: identity-store users + group memberships",
           "roster.register_via_api")
