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


def prepare(session, event: str, *, display_name: str, allowed_domains: str, racers_expected: int = 300,
            sender: str | None = None) -> RegistrationLab:
    """Event identity, configuration (kept if notebook 01 made it) and the registration stack."""
    ident = identity.setup_event_identity(session, event)
    try:
        config = ev.load_config(session, event)
        if config.allowed_domains != allowed_domains or not config.registration_open:
            config = ev.update_config(session, event, allowed_domains=allowed_domains, registration_open=True)
    except (LookupError, session.client("dynamodb").exceptions.ResourceNotFoundException):
        config = ev.save_config(session, ev.EventConfig(
            name=event, display_name=display_name, racers_expected=racers_expected,
            quota_hours_per_racer=5, budget_usd=5000, allowed_domains=allowed_domains))
    stack = deploy(session, event, ident, sender=sender or SENDER, allowed_domains=allowed_domains,
                   display_name=config.display_name)
    return RegistrationLab(config, ident, stack)
