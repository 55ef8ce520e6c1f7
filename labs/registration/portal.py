"""The racer registration portal, served locally for a person or a browser.

Notebook 02 deploys the registration stack and talks to its API from
Python; a facilitator rehearsing the event (or a browser test) wants the
real page instead: open a URL, type an address, watch the confirmation mail
arrive. This module does the whole local set-up in one call and keeps it
running:

    python -m labs.registration.portal serve [--event NAME] [--display-name TEXT]
                                   [--domains example.com,corp.example]

It starts the embedded runtime (local mode), creates the event's identity
pieces, records the event configuration, deploys the registration stack,
prints the portal URL and then, until Ctrl-C, prints one line for every
mail that lands in the outbox (what a racer would receive).

There is no `--port`: the runtime picks a free loopback port itself and
`helpers.emulator.start()` offers no way to choose one, so a fixed port would
mean reaching into the runtime's private state. The URL is printed instead.

`start_portal()` is the same set-up as a function, for notebooks and tests.
"""
from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from labs.deepracer_event import event as event_state
from helpers import emulator as runtime
from labs.registration.functions.validation import parse_domains
from labs.registration import lab as registration_lab
from labs.registration.stack import RegistrationStack
from helpers.emulator.mail import Mail
from helpers.seed import SENDER
from helpers.session import WorkshopSession, get_session
from helpers.tagging import check_event_name

DEFAULT_EVENT = "portal-demo"
DEFAULT_DOMAINS = "example.com"
# Defaults of the rehearsal event: the figures notebook 01 uses for a mid-size event.
DEFAULT_RACERS = 200
DEFAULT_QUOTA_HOURS = 5.0
DEFAULT_BUDGET_USD = 5000.0
POLL_SECONDS = 1.0


class Portal(NamedTuple):
    """What `start_portal` hands back; unpacks as `session, stack, url`."""

    session: WorkshopSession
    stack: RegistrationStack
    url: str


def default_display_name(event: str) -> str:
    """`"portal-demo"` -> `"Portal Demo"`: something readable when no display name is given."""
    return " ".join(part.capitalize() for part in event.split("-") if part)


def portal_url(stack: RegistrationStack) -> str:
    """The page's URL, always with a trailing slash.

    The page posts to `register` relative to its own path; it copes with a
    missing slash, but a URL with one is the canonical address of the page
    (and what a person should copy and share).
    """
    return stack.api_url.rstrip("/") + "/"


def start_portal(event: str = DEFAULT_EVENT, *, display_name: str | None = None,
                 domains: str | Iterable[str] = DEFAULT_DOMAINS, racers_expected: int = DEFAULT_RACERS,
                 quota_hours: float = DEFAULT_QUOTA_HOURS, budget_usd: float = DEFAULT_BUDGET_USD,
                 sender: str = SENDER, region: str | None = None,
                 state_dir: str | Path | None = None) -> Portal:
    """Start local mode and deploy a working registration portal for `event`.

    Idempotent, like everything it calls: in a kernel where the runtime is
    already running it reuses it and finds the existing stack. Local mode
    only, because the point is to read the outbox afterwards (real SES has
    nothing to read back). The caller owns the runtime: stop it with
    `portal.session.runtime.stop()` when done.
    """
    check_event_name(event)
    allowed = ",".join(parse_domains(domains if isinstance(domains, str) else list(domains)))
    if not allowed:
        raise ValueError("give at least one accepted email domain (e.g. example.com)")
    name = (display_name or "").strip() or default_display_name(event)
    already_running = runtime.current() is not None
    session = get_session("local", event=event, region=region, state_dir=state_dir)
    try:
        stack = registration_lab.prepare(session, event, display_name=name, allowed_domains=allowed,
                                         racers_expected=racers_expected, quota_hours=quota_hours,
                                         budget_usd=budget_usd, sender=sender, reopen=False, rename=True).stack
    except BaseException:
        if not already_running:  # ours, and nobody will get a handle to stop it
            session.runtime.stop()
        raise
    return Portal(session, stack, portal_url(stack))


def new_mail(session: WorkshopSession, seen: set[str]) -> list[Mail]:
    """Mail in the outbox whose id is not in `seen` (oldest first); adds them to `seen`."""
    fresh = [m for m in session.outbox.list() if m.message_id not in seen]
    seen.update(m.message_id for m in fresh)
    return fresh


def describe_mail(mail: Mail) -> str:
    """One line per message, what a facilitator needs to see at a glance."""
    when = time.strftime("%H:%M:%S", time.localtime(mail.sent_at))
    return f"[{when}] mail to {', '.join(mail.to) or '(nobody)'}: {mail.subject}"


def serve(event: str, display_name: str | None, domains: str, poll_seconds: float = POLL_SECONDS) -> int:
    """Run the portal until Ctrl-C (or SIGTERM), echoing the outbox; always stops the runtime."""
    print(f"Starting local mode and deploying the registration portal for {event!r}...", flush=True)
    started = time.monotonic()
    session, stack, url = start_portal(event, display_name=display_name, domains=domains)

    def _terminate(signum, frame):  # noqa: ARG001 - signal handler signature
        raise KeyboardInterrupt

    # Ctrl-C must stop the portal even when started from a script with `&` (which
    # makes the shell ignore SIGINT for the job); SIGTERM (kill, systemd) too.
    previous = {signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler),
                signal.SIGTERM: signal.signal(signal.SIGTERM, _terminate)}
    try:
        config = event_state.load_config(session, event)
        print(f"Ready in {time.monotonic() - started:.1f} s.\n", flush=True)
        print(f"  Portal page:      {url}")
        print(f"  Event:            {config.display_name} ({event})")
        print(f"  Accepted domains: {config.allowed_domains}")
        print(f"  Outbox folder:    {session.outbox.folder}")
        if not config.registration_open:
            print("  Note: registration is CLOSED for this event; the page will refuse sign-ups.")
        print("\nOpen the page in a browser and register. New mail is listed below. Ctrl-C to stop.\n",
              flush=True)
        seen: set[str] = set()
        new_mail(session, seen)  # mail from before this run is not news
        while True:
            time.sleep(poll_seconds)
            for mail in new_mail(session, seen):
                print(describe_mail(mail), flush=True)
    except KeyboardInterrupt:
        print("\nStopping the portal...", flush=True)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        session.runtime.stop()
    print("Stopped.", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m labs.registration.portal",
                                     description="Serve the racer registration portal locally.")
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="deploy the portal in local mode and serve it until Ctrl-C")
    s.add_argument("--event", default=DEFAULT_EVENT,
                   help=f"event name, part of resource names (default: {DEFAULT_EVENT})")
    s.add_argument("--display-name", default=None,
                   help="name shown on the page and in the mail (default: from the event name)")
    s.add_argument("--domains", default=DEFAULT_DOMAINS,
                   help=f"comma-separated accepted email domains (default: {DEFAULT_DOMAINS})")
    args = parser.parse_args(argv)
    try:
        check_event_name(args.event)
        if not parse_domains(args.domains):
            raise ValueError("--domains needs at least one domain (e.g. example.com)")
    except ValueError as exc:
        parser.error(str(exc))
    return serve(args.event, args.display_name, args.domains)


if __name__ == "__main__":
    sys.exit(main())
