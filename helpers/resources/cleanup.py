"""Deleting what the workshop created, in the order dependencies need.

    steps = plan(session, list_resources(session, event=EVENT))
    run(session, steps, dry_run=True).table()     # what would go
    run(session, steps, dry_run=False).table()    # delete it

`plan` puts every inventoried resource into a phase (stacks first, then
notebook instances, endpoints -> endpoint configs -> models, Studio apps ->
user profiles -> domain -> home file system, experiments, rules, APIs, event
source mappings -> functions, repositories, tables, queues, buckets, VPC
endpoints -> subnets -> security groups -> VPCs, KMS keys, Identity Center,
IAM, budgets and alarms). `run` works through the phases; inside a phase,
a resource that cannot be deleted *yet* (an endpoint still `Creating`, a
notebook instance still `Stopping`, a subnet whose network interfaces are
still attached, a throttled call) is retried with exponential backoff until
it goes or the phase's time budget is spent, and then reported with the last
reason. Nothing is skipped silently: every step ends in one status:

    deleted | deleted after N retries | already gone | scheduled for deletion
    | stopped (record kept) | kept | failed: <reason> | not available: <reason>
    | needs a person: <reason>

Each kind's phase, action and delete function are declared with the kind, in
`helpers.resources.kinds` (see `helpers.resources.registry`); this module orders
the steps, runs them with retries and reports.

Running it again is safe: a resource that is gone is reported `already
gone`. Training jobs are immutable records: they are reported (and stopped
if still running), never deleted. KMS keys are scheduled for deletion with a
`KMS_PENDING_DAYS`-day window (7, the minimum AWS allows); a key already pending deletion counts
as gone.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Callable, Iterable

from botocore.exceptions import BotoCoreError, ClientError

from helpers.aws import error_code, error_message, is_not_found, unavailable
from helpers.resources import registry
from helpers.resources.base import Attempt, Clients, Manual, NotYet, Resource
from helpers.resources.kinds.kms import KMS_PENDING_DAYS

__all__ = ["DELETERS", "KMS_PENDING_DAYS", "OTHER", "PHASES", "Manual", "NotYet", "Outcome", "Report", "Step",
           "plan", "plan_table", "remaining_after", "run"]


@dataclass
class Step:
    """One resource and what happens to it, in a numbered phase."""

    order: int
    phase: str
    resource: Resource
    action: str  # delete | schedule deletion | stop and keep | keep | report

    @property
    def label(self) -> str:
        return f"{self.resource.service}:{self.resource.kind} {self.resource.name}"


@dataclass
class Outcome:
    step: Step
    status: str
    retries: int = 0
    reason: str = ""
    detail: str = ""
    seconds: float = 0.0

    @property
    def done(self) -> bool:
        return self.status in DONE


DONE = ("deleted", "already gone", "scheduled for deletion", "stopped (record kept)", "kept")


@dataclass
class Report:
    dry_run: bool
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not self.dry_run and not o.done]

    @property
    def ok(self) -> bool:
        return not self.failed

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for o in self.outcomes:
            out[o.status] = out.get(o.status, 0) + 1
        return dict(sorted(out.items()))

    def status_of(self, service: str, kind: str, name: str) -> Outcome | None:
        return next((o for o in self.outcomes if (o.step.resource.service, o.step.resource.kind,
                                                   o.step.resource.name) == (service, kind, name)), None)

    def table(self):
        from helpers.report import table

        rows = []
        for o in self.outcomes:
            r = o.step.resource
            status = o.status
            if o.status == "deleted" and o.retries:
                status = f"deleted after {o.retries} retr{'y' if o.retries == 1 else 'ies'}"
            note = "; ".join(x for x in (o.detail, o.reason) if x)
            rows.append({"#": o.step.order, "service": r.service, "kind": r.kind, "name": r.name,
                         "action": o.step.action, "status": status, "note": note})
        return table(rows, columns=["#", "service", "kind", "name", "action", "status", "note"])

    def summary(self) -> str:
        if self.dry_run:
            return f"dry run: {len(self.outcomes)} resources would be handled, nothing was changed"
        parts = ", ".join(f"{n} {s}" for s, n in self.counts().items())
        return f"{len(self.outcomes)} resources: {parts}" if self.outcomes else "nothing to clean up"


# -- the plan ---------------------------------------------------------------------------------
_KINDS = registry.kinds()
#: (service, kind) -> (order, phase, action), read from the registry. Lower orders go first.
PHASES = MappingProxyType({key: (k.phase, k.title, k.action) for key, k in _KINDS.items()})
#: (service, kind) -> delete function, read from the registry.
DELETERS = MappingProxyType({key: k.delete for key, k in _KINDS.items()})
OTHER = (max(k.phase for k in _KINDS.values()) + 1, "other tagged resources (no automatic deleter)", "report")


def plan(session, resources: Iterable[Resource]) -> list[Step]:
    """The resources as ordered steps (dependencies first)."""
    steps = []
    for r in resources:
        k = _KINDS.get((r.service, r.kind))
        order, phase, action = (k.phase, k.title, k.action_of(r)) if k else OTHER
        steps.append(Step(order, phase, r, action))
    return sorted(steps, key=lambda s: (s.order, s.resource.service, s.resource.kind, s.resource.name))


def plan_table(steps: list[Step]):
    from helpers.report import table

    return table([{"#": s.order, "phase": s.phase, "service": s.resource.service, "kind": s.resource.kind,
                   "name": s.resource.name, "action": s.action} for s in steps],
                 columns=["#", "phase", "service", "kind", "name", "action"])


# -- running it -------------------------------------------------------------------------------
RETRYABLE = frozenset({
    "Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded", "SlowDown",
    "ResourceInUse", "ResourceInUseException", "DependencyViolation", "ConflictException",
    "ConcurrentModification", "ConcurrentModificationException", "OperationAbortedException",
    "InternalServerException", "InternalFailure", "InternalError", "ServiceUnavailable",
    "ServiceUnavailableException", "BucketNotEmpty", "FileSystemInUse", "IncorrectState",
    "InvalidStateException", "KMSInvalidStateException", "DeleteConflict", "LimitExceededException",
})


def run(session, steps: list[Step], dry_run: bool = True, *, max_wait: float | None = None,
        progress: bool | None = None, log: Callable[[str], None] | None = None) -> Report:
    """Carry out the plan (or, with dry_run, only say what would happen).

    `max_wait` is each phase's budget of waiting (the pauses between retries, not the calls
    themselves, so a slow machine gets the same retries as a fast one) for resources that are
    not deletable yet (default 20 minutes in aws mode, where endpoints and notebook instances
    take minutes; 20 s locally)."""
    started = time.time()
    report = Report(dry_run=dry_run)
    if dry_run:
        for s in steps:
            verb = {"delete": "would delete", "schedule deletion": "would schedule deletion",
                    "keep": "would keep", "stop and keep": "would stop and keep", "report": "would report"}
            note = _dry_note(s)
            report.outcomes.append(Outcome(s, verb[s.action], detail=note))
        return report
    ctx = Clients(session)
    local = ctx.local
    budget = max_wait if max_wait is not None else (20.0 if local else 1200.0)
    base, cap = (0.25, 2.0) if local else (5.0, 60.0)
    show = progress if progress is not None else len(steps) >= 10
    bar = _bar(len(steps), show, session.config.progress)
    results: dict[int, Outcome] = {}
    by_order: dict[int, list[Step]] = {}
    for s in steps:
        by_order.setdefault(s.order, []).append(s)
    try:
        for order in sorted(by_order):
            pending = [(s, Attempt(), time.time()) for s in by_order[order]]
            waited, delay = 0.0, base
            while pending:
                waiting = []
                for s, st, t0 in pending:
                    outcome = _attempt(ctx, s, st)
                    if outcome is None:
                        waiting.append((s, st, t0))
                        continue
                    outcome.seconds = round(time.time() - t0, 1)
                    results[id(s)] = outcome
                    bar.update(1)
                if not waiting:
                    break
                if waited + delay > budget:
                    for s, st, t0 in waiting:
                        results[id(s)] = Outcome(
                            s, "failed", st.retries, f"still not deletable after {st.retries} retries "
                            f"({time.time() - t0:.0f} s): {st.reason}", st.detail, round(time.time() - t0, 1))
                        bar.update(1)
                    break
                if log:
                    for s, st, _ in waiting:
                        log(f"{s.label}: retry {st.retries + 1} in {delay:.1f} s ({st.reason})")
                time.sleep(delay)
                waited += delay
                delay = min(delay * 2, cap)
                for _, st, _ in waiting:
                    st.retries += 1
                pending = waiting
    finally:
        bar.close()
    report.outcomes = [results[id(s)] for s in steps if id(s) in results]
    report.seconds = round(time.time() - started, 1)
    return report


def _bar(total: int, show: bool, report_to=None):
    from helpers import progress

    return progress.bar(total, "cleanup", unit="resource", enabled=show, file=sys.stderr, leave=False,
                        report_to=report_to)


def _dry_note(s: Step) -> str:
    r = s.resource
    k = _KINDS.get((r.service, r.kind))
    if k and k.note:
        return k.note
    if s.action == "report":
        return "no automatic deleter for this type: delete it by hand"
    if r.found_by == "name":
        return "found by naming convention"
    if r.found_by == "parent":
        return f"found through {r.parent}" if r.parent else "found through the resource it belongs to"
    if r.found_by == "tagging-api":
        return "found by the Resource Groups Tagging API"
    return ""


def _attempt(ctx: Clients, s: Step, st: Attempt) -> Outcome | None:
    """One try: an Outcome when the step is finished, None when it should be retried."""
    k = _KINDS.get((s.resource.service, s.resource.kind))
    try:
        if s.action == "report" or k is None:
            raise Manual(f"no automatic deleter for {s.resource.service}/{s.resource.kind}: delete "
                         f"{s.resource.arn or s.resource.id} by hand")
        status = k.delete(ctx, s.resource, st)
        if status == "deleted" and not st.started:
            status = "already gone"
        return Outcome(s, status, st.retries, "", st.detail)
    except NotYet as exc:
        st.reason = str(exc)
        return None
    except Manual as exc:
        return Outcome(s, "needs a person", st.retries, str(exc), st.detail)
    except (ClientError, BotoCoreError, NotImplementedError) as exc:
        if is_not_found(exc):
            return Outcome(s, "deleted" if st.started else "already gone", st.retries, "", st.detail)
        if error_code(exc) in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
            return Outcome(s, "failed", st.retries, f"not permitted: {error_message(exc)}", st.detail)
        gap = unavailable(exc, ctx.local)
        if gap is not None:
            return Outcome(s, "not available", st.retries, gap, st.detail)
        if error_code(exc) in RETRYABLE:
            st.reason = f"{error_code(exc)}: {error_message(exc)}"
            return None
        return Outcome(s, "failed", st.retries, f"{error_code(exc)}: {error_message(exc)}", st.detail)


def remaining_after(session, *, event: str | None) -> list[Resource]:
    """What the inventory still finds, minus the immutable records the cleanup keeps on purpose."""
    from helpers.resources.inventory import list_resources

    return [r for r in list_resources(session, event=event) if r.kind != "training-job"]
