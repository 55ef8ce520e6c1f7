"""What listers and deleters are written with: the `Resource` they find, and the contexts they get.

A service module under `helpers.resources.kinds` lists its resources with a `Listing`
(clients, the scope to match, where to note a `Gap`) and deletes them with a `Clients`
and an `Attempt` (what happened so far to that resource). The engines
(`helpers.resources.inventory`, `helpers.resources.cleanup`) create these; the kinds only
use them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from botocore.exceptions import ClientError

from helpers.aws import unavailable
from helpers.tagging import EVENT_TAG, WORKSHOP_TAG, WORKSHOP_VALUE


@dataclass
class Resource:
    """One thing the workshop created."""

    service: str          # the boto3 client name: "sagemaker", "ec2", "identitystore", ...
    kind: str             # "endpoint", "vpc", "group-membership", ...
    name: str             # what a person recognises
    id: str               # what the delete call takes (name, id, URL or ARN)
    arn: str = ""         # the ARN when the resource has one
    tags: dict[str, str] = field(default_factory=dict)
    region: str = ""
    found_by: str = "tag"  # tag | name | parent | tagging-api
    parent: str = ""      # the resource it belongs to (function of a mapping, group of a membership...)
    state: str = ""       # the status the service reports, when it has one
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def event(self) -> str:
        return self.tags.get(EVENT_TAG, "")

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.service, self.kind, self.id)


@dataclass
class Gap:
    """Something the inventory could not look at, and why."""

    service: str
    kind: str
    reason: str


def is_workshop(tags: dict[str, str], event: str | None = None) -> bool:
    if tags.get(WORKSHOP_TAG) != WORKSHOP_VALUE:
        return False
    return event is None or tags.get(EVENT_TAG) == event


class Clients:
    """One boto3 client per (service, region), made on first use. A resource's region
    "global" (IAM, Identity Center, budgets) means the session's region."""

    def __init__(self, session) -> None:
        self.session = session
        self.local = bool(getattr(session, "local", False))
        self.region = session.region
        self._clients: dict[tuple[str, str], Any] = {}

    def client(self, service: str, region: str | None = None):
        region = region if region and region != "global" else self.region
        key = (service, region)
        if key not in self._clients:
            kwargs = {"region_name": region} if region != self.region else {}
            self._clients[key] = self.session.client(service, **kwargs)
        return self._clients[key]


class Listing(Clients):
    """What a lister gets: clients, the scope to match (`match`), and where to note gaps.

    `found` holds what the tag-based listers found, for the listers that run after them
    (`named=True`): those look for untagged resources that belong to the tagged ones."""

    def __init__(self, session, event: str | None, tags: dict[str, str] | None = None) -> None:
        super().__init__(session)
        self.event = event
        self.tags = dict(tags or {})  # more tags every tagged resource must carry (e.g. a project's)
        self.gaps: list[Gap] = []
        self.events: set[str] = {event} if event else set()
        self.found: list[Resource] = []

    @property
    def scope(self) -> dict[str, str]:
        """The tags a resource must carry: the workshop's, the event's (when given) and `tags`."""
        return {WORKSHOP_TAG: WORKSHOP_VALUE, **({EVENT_TAG: self.event} if self.event else {}), **self.tags}

    def match(self, tags: dict[str, str]) -> bool:
        if is_workshop(tags, self.event) and all(tags.get(k) == v for k, v in self.tags.items()):
            if tags.get(EVENT_TAG):
                self.events.add(tags[EVENT_TAG])
            return True
        return False

    def res(self, service: str, kind: str, name: str, id: str, **kw) -> Resource:
        kw.setdefault("region", self.region)
        return Resource(service, kind, name, id, **kw)

    def tagged(self, items: Iterable[dict], tags_of: Callable[[dict], dict[str, str]]) -> Iterator[tuple[dict, dict]]:
        """(item, tags) of the listed items whose tags (`tags_of(item)`) are in scope."""
        for item in items:
            t = tags_of(item)
            if self.match(t):
                yield item, t

    def found_of(self, service: str, kind: str) -> list[Resource]:
        return [r for r in self.found if (r.service, r.kind) == (service, kind)]

    def gap(self, service: str, kind: str, reason: str) -> None:
        self.gaps.append(Gap(service, kind, reason))

    def missing_api(self, exc: Exception, service: str, kind: str, prefix: str = "", hint: bool = True) -> bool:
        """Note a gap when `exc` says the API is missing here (True), else False (the caller re-raises).

        With `hint`, a local-mode gap adds that aws mode does list (and so delete) these."""
        reason = unavailable(exc, self.local)
        if reason is None:
            return False
        self.gap(service, kind, prefix + reason + ("; in aws mode they are listed and deleted"
                                                   if self.local and hint else ""))
        return True

    def section(self, service: str, kind: str, produce: Callable[[], Iterable[Resource]]) -> list[Resource]:
        """One kind's listing; an API the service (or the emulator) lacks becomes a `Gap`, not a crash."""
        try:
            return list(produce())
        except (ClientError, NotImplementedError) as exc:
            if not self.missing_api(exc, service, kind):
                raise
            return []


# -- deleting ------------------------------------------------------------------------------------
class NotYet(Exception):
    """The resource cannot be deleted yet (it is changing state); try again later."""


class Manual(Exception):
    """No automatic way to delete this: a person must."""


@dataclass
class Attempt:
    """What happened so far to one resource's deletion (it may take several tries)."""

    started: bool = False  # the delete call was made (a later "not found" means we deleted it)
    retries: int = 0
    reason: str = ""
    detail: str = ""


#: A deleter: (clients, resource, attempt) -> final status; raises NotYet to be retried.
Deleter = Callable[[Clients, Resource, Attempt], str]


def gone_after(st: Attempt, check: Callable[[], str | None], what: str) -> str:
    """After the delete call: `check` returns the current status, or None once it is gone."""
    st.started = True
    status = check()
    if status is None:
        return "deleted"
    raise NotYet(f"{what} is {status}")


def synchronous(call: Callable[[Any, Resource], Any]) -> Deleter:
    """A deleter whose delete call is synchronous: gone once the call returns."""
    def deleter(ctx, r, st):
        call(ctx, r)
        st.started = True
        return "deleted"
    return deleter
