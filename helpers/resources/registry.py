"""One registry of resource kinds: how each is listed, when and how it is deleted.

A *kind* is a (service, kind) pair such as ("sagemaker", "endpoint"). Each service module
under `helpers.resources.kinds` declares, next to each other,

* its **listers** (`@lister`): a function that yields the workshop's resources of the kinds
  it names - one lister may yield several kinds (the SageMaker lister yields endpoints,
  models, notebook instances...), and a kind may be yielded by several listers;
* its **kinds** (`@deleter` on the delete function, or `kind(...)` for a one-call deleter):
  the cleanup phase, the phase title, the action, the kinds it must be deleted after, and
  the delete function.

`inventory.list_resources` runs the listers and `cleanup.plan`/`cleanup.run` read the
kinds, so a kind lives in one place. The registry refuses what would break either engine:
a lister yielding a kind it did not declare fails at listing time, and `load()` fails when
a listed kind has no deleter, a declared kind has no lister, or a phase number does not come
after the phases of the kinds it names in `after` (tests/resources/test_registry.py says the
same). The dependency order is data (`after`); the phase numbers are what the cleanup runs
and prints, and must respect it.

    from helpers.resources.registry import kinds
    ("sagemaker", "endpoint") in kinds()          # every registered (service, kind)
"""
from __future__ import annotations

import importlib
import pkgutil
import threading
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from helpers.resources.base import Deleter, Listing, Resource

KindKey = tuple[str, str]


@dataclass(frozen=True)
class Kind:
    """How one kind is deleted: in which phase, under which title, with which action and function."""

    service: str
    kind: str
    phase: int            # lower phases go first
    title: str            # what the phase is called in the plan
    delete: Deleter
    action: str = "delete"  # delete | schedule deletion | keep (| stop and keep, via action_for)
    after: tuple[KindKey, ...] = ()  # kinds that must be gone first (their phases must be lower)
    note: str = ""        # what the dry run says about every resource of this kind
    action_for: Callable[[Resource], str] | None = None  # the action for one resource, when it depends on it

    @property
    def key(self) -> KindKey:
        return (self.service, self.kind)

    def action_of(self, r: Resource) -> str:
        return self.action_for(r) if self.action_for else self.action


@dataclass(frozen=True)
class Lister:
    """A function yielding the workshop's resources of `kinds`.

    `named` listers run after all the others: they find untagged resources by the workshop's
    naming conventions or through the tagged resources they belong to (`Listing.found`), and
    need the event names the tagged ones revealed (`Listing.events`)."""

    service: str          # the name `list_resources(services=...)` selects it by
    kinds: tuple[KindKey, ...]
    produce: Callable[[Listing], Iterable[Resource]]
    named: bool = False

    @property
    def name(self) -> str:
        return f"{self.produce.__module__}.{self.produce.__qualname__}"

    def run(self, ctx: Listing) -> Iterable[Resource]:
        """The lister's resources; one of a kind it did not declare is a bug in the lister, said at once."""
        for r in self.produce(ctx):
            if (r.service, r.kind) not in self.kinds:
                raise UndeclaredKind(f"{self.name} yielded {r.service}:{r.kind} ({r.name}), a kind it does not "
                                     f"declare; add it to the lister's kinds and register it with a deleter")
            yield r


class UndeclaredKind(LookupError):
    """A lister yielded a kind it does not declare, or the registry is inconsistent."""


class Registry:
    def __init__(self) -> None:
        self._kinds: dict[KindKey, Kind] = {}
        self._listers: list[Lister] = []

    # -- declaring ----------------------------------------------------------------------------
    def kind(self, service: str, kind: str, *, phase: int, title: str, delete: Deleter, action: str = "delete",
             after: Iterable[KindKey | str] = (), note: str = "",
             action_for: Callable[[Resource], str] | None = None) -> Kind:
        """Register a kind. `after` names kinds as (service, kind), or by kind alone within `service`."""
        key = (service, kind)
        if key in self._kinds:
            raise ValueError(f"{service}:{kind} is registered twice")
        if not callable(delete):
            raise TypeError(f"{service}:{kind}: delete must be a function (clients, resource, attempt) -> status")
        k = Kind(service, kind, phase, title, delete, action, tuple(_keys(service, after)), note, action_for)
        self._kinds[key] = k
        return k

    def deleter(self, service: str, kind: str, **declaration) -> Callable[[Deleter], Deleter]:
        """Decorator form of `kind`: the decorated function is the kind's deleter."""
        def register(fn: Deleter) -> Deleter:
            self.kind(service, kind, delete=fn, **declaration)
            return fn
        return register

    def lister(self, service: str, kinds: Iterable[KindKey | str], *, named: bool = False):
        """Decorator: the function (Listing -> resources) lists `kinds` (kind names alone mean `service`'s)."""
        def register(fn: Callable[[Listing], Iterable[Resource]]):
            self._listers.append(Lister(service, tuple(_keys(service, kinds)), fn, named))
            return fn
        return register

    # -- reading ------------------------------------------------------------------------------
    def kinds(self) -> Mapping[KindKey, Kind]:
        return dict(self._kinds)

    def get(self, service: str, kind: str) -> Kind | None:
        return self._kinds.get((service, kind))

    def listers(self) -> list[Lister]:
        """In module name order, then in the order each module registers them (whatever order the
        modules happened to be imported in)."""
        return sorted(self._listers, key=lambda lister: lister.produce.__module__)

    def listed(self) -> set[KindKey]:
        return {k for lister in self._listers for k in lister.kinds}

    def problems(self) -> list[str]:
        """Everything that would make a listed resource undeletable or the phases disagree with `after`."""
        out = [f"{s}:{k} is listed but has no deleter or phase (register it with @deleter or kind())"
               for s, k in sorted(self.listed() - set(self._kinds))]
        out += [f"{s}:{k} has a deleter but no lister yields it" for s, k in sorted(set(self._kinds) - self.listed())]
        for k in self._kinds.values():
            for dep in k.after:
                first = self._kinds.get(dep)
                if first is None:
                    out.append(f"{k.service}:{k.kind} is to be deleted after {dep[0]}:{dep[1]}, which is not registered")
                elif first.phase >= k.phase:
                    out.append(f"{k.service}:{k.kind} (phase {k.phase}) must come after {dep[0]}:{dep[1]} "
                               f"(phase {first.phase})")
        return out


def _keys(service: str, names: Iterable[KindKey | str]) -> list[KindKey]:
    return [(service, n) if isinstance(n, str) else (n[0], n[1]) for n in names]


REGISTRY = Registry()
kind = REGISTRY.kind
deleter = REGISTRY.deleter
lister = REGISTRY.lister

_loaded = False
_lock = threading.Lock()


def load() -> Registry:
    """Import every module of `helpers.resources.kinds` (they register themselves), once, and check
    the registry; an inconsistent one raises `UndeclaredKind` listing every problem."""
    global _loaded
    with _lock:
        if not _loaded:
            from helpers.resources import kinds as package

            for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
                importlib.import_module(f"{package.__name__}.{info.name}")
            problems = REGISTRY.problems()
            if problems:
                raise UndeclaredKind("the resource registry is inconsistent:\n  " + "\n  ".join(problems))
            _loaded = True
    return REGISTRY


def kinds() -> Mapping[KindKey, Kind]:
    """Every registered (service, kind) and its declaration."""
    return load().kinds()
