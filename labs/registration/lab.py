"""Everything notebook 02 needs, created or looked up (so it runs on its own)."""
from __future__ import annotations

from dataclasses import dataclass

from labs.deepracer_event import event as ev
from labs.deepracer_event import identity
from helpers.seed import SENDER
from labs.registration.stack import RegistrationStack, deploy


@dataclass
class RegistrationLab:
    config: ev.EventConfig
    identity: identity.EventIdentity
    stack: RegistrationStack


def configure_event(session, event: str, *, display_name: str, allowed_domains: str, racers_expected: int = 300,
                    quota_hours: float = 5, budget_usd: float = 5000, reopen: bool = True,
                    rename: bool = False) -> ev.EventConfig:
    """Record the event's configuration; keep an existing one's other decisions.

    In a notebook kernel the event may already be configured (by notebook 01, or
    by an organiser: race URL, quotas, registration closed...): then only the
    accepted domains change, registration reopens if `reopen`, and the display
    name changes if `rename` (the local portal's choice), so preparing the lab
    never undoes an organiser's change."""
    ev.ensure_tables(session, event)  # load_config needs the table to exist
    try:
        config = ev.load_config(session, event)
    except LookupError:
        return ev.save_config(session, ev.EventConfig(
            name=event, display_name=display_name, racers_expected=racers_expected,
            quota_hours_per_racer=quota_hours, budget_usd=budget_usd, allowed_domains=allowed_domains))
    changes: dict = {}
    if config.allowed_domains != allowed_domains:
        changes["allowed_domains"] = allowed_domains
    if reopen and not config.registration_open:
        changes["registration_open"] = True
    if rename and config.display_name != display_name:
        changes["display_name"] = display_name
    return ev.update_config(session, event, **changes) if changes else config


def prepare(session, event: str, *, display_name: str, allowed_domains: str, racers_expected: int = 300,
            sender: str | None = None, **configure) -> RegistrationLab:
    """Event identity, configuration (kept if notebook 01 made it) and the registration stack.

    `configure`: further settings for `configure_event` (quota_hours, budget_usd, reopen, rename)."""
    ident = identity.setup_event_identity(session, event)
    config = configure_event(session, event, display_name=display_name, allowed_domains=allowed_domains,
                             racers_expected=racers_expected, **configure)
    stack = deploy(session, event, ident, sender=sender or SENDER, allowed_domains=allowed_domains,
                   display_name=config.display_name)
    return RegistrationLab(config, ident, stack)
