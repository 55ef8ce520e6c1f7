"""Everything notebook 02 needs, created or looked up (so it runs on its own)."""
from __future__ import annotations

from dataclasses import dataclass

from helpers import deepracer_on_aws as dra
from helpers.seed import SENDER
from labs.deepracer_event import event as ev
from labs.deepracer_event import identity, solution
from labs.registration.stack import DeepRacerWiring, RegistrationStack, deploy

ADMIN_EMAIL = "deepracer-admins@example.com"


@dataclass
class RegistrationLab:
    config: ev.EventConfig
    identity: identity.EventIdentity
    stack: RegistrationStack
    deployment: dra.Deployment
    admin: dra.DeepRacerApi


def service_secret_name(event: str) -> str:
    return f"{event}/deepracer-on-aws-registration"


def connect_solution(session, event: str, *, admin_email: str = ADMIN_EMAIL, sender: str = SENDER,
                     racers_expected: int = 300) -> tuple[dra.Deployment, dra.DeepRacerApi, DeepRacerWiring]:
    """The event's DeepRacer on AWS deployment (launched if notebook 01 has not), its admin, SES for the
    invitations when more than Cognito's 50 a day are expected, and the registration function's service
    user: everything the provisioning function needs to invite racers."""
    deployment, admin = solution.event_admin(session, event, admin_email)
    if racers_expected > dra.COGNITO_DAILY_EMAILS:
        pool = session.client("cognito-idp").describe_user_pool(UserPoolId=deployment.user_pool_id)["UserPool"]
        if (pool.get("EmailConfiguration") or {}).get("EmailSendingAccount") != "DEVELOPER":
            dra.use_ses(session, deployment, sender)
    secret_arn = dra.ensure_service_user(session, deployment, service_secret_name(event))
    wiring = DeepRacerWiring(deployment.api_url, deployment.user_pool_id, deployment.client_id,
                             deployment.identity_pool_id, deployment.site_url, secret_arn)
    return deployment, admin, wiring


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
    deployment, admin, wiring = connect_solution(session, event, sender=sender or SENDER,
                                                 racers_expected=racers_expected)
    if config.solution_url != deployment.site_url:
        config = ev.update_config(session, event, solution_url=deployment.site_url)
    stack = deploy(session, event, ident, sender=sender or SENDER, allowed_domains=allowed_domains,
                   display_name=config.display_name, deepracer=wiring)
    return RegistrationLab(config, ident, stack, deployment, admin)
