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

Running it again is safe: a resource that is gone is reported `already
gone`. Training jobs are immutable records: they are reported (and stopped
if still running), never deleted. KMS keys are scheduled for deletion with a
7-day window (the minimum AWS allows); a key already pending deletion counts
as gone.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from botocore.exceptions import BotoCoreError, ClientError

from helpers.resources.inventory import Resource, _code, _pages, is_not_found, unavailable

KMS_PENDING_DAYS = 7


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


class NotYet(Exception):
    """The resource cannot be deleted yet (it is changing state); try again later."""


class Manual(Exception):
    """No automatic way to delete this: a person must."""


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
# (service, kind) -> (order, phase, action). Lower orders go first.
PHASES: dict[tuple[str, str], tuple[int, str, str]] = {
    ("cloudformation", "stack"): (1, "CloudFormation stacks (their resources go with them)", "delete"),
    ("sagemaker", "notebook-instance"): (2, "notebook instances (stop, wait, delete)", "delete"),
    ("sagemaker", "training-job"): (2, "training jobs (immutable records)", "keep"),
    ("sagemaker", "endpoint"): (3, "endpoints", "delete"),
    ("sagemaker", "app"): (3, "Studio apps", "delete"),
    ("sagemaker", "endpoint-config"): (4, "endpoint configs", "delete"),
    ("sagemaker", "user-profile"): (4, "Studio user profiles", "delete"),
    ("sagemaker", "notebook-lifecycle-config"): (4, "notebook lifecycle configs", "delete"),
    ("sagemaker", "trial-component"): (4, "trial components", "delete"),
    ("sagemaker", "model"): (5, "models", "delete"),
    ("sagemaker", "domain"): (5, "Studio domains", "delete"),
    ("sagemaker", "trial"): (5, "trials", "delete"),
    ("sagemaker", "experiment"): (6, "experiments", "delete"),
    ("efs", "file-system"): (6, "home file systems (EFS)", "delete"),
    ("events", "rule"): (7, "EventBridge rules and targets", "delete"),
    ("apigatewayv2", "http-api"): (7, "HTTP APIs", "delete"),
    ("lambda", "event-source-mapping"): (7, "event source mappings", "delete"),
    ("lambda", "function"): (8, "Lambda functions", "delete"),
    ("logs", "log-group"): (9, "log groups", "delete"),
    ("ecr", "repository"): (9, "ECR repositories", "delete"),
    ("dynamodb", "table"): (9, "DynamoDB tables", "delete"),
    ("sqs", "queue"): (9, "SQS queues", "delete"),
    ("s3", "bucket"): (9, "buckets (every object version and delete marker)", "delete"),
    ("ec2", "vpc-endpoint"): (10, "VPC endpoints", "delete"),
    ("ec2", "subnet"): (11, "subnets", "delete"),
    ("ec2", "route-table"): (11, "route tables", "delete"),
    ("ec2", "internet-gateway"): (11, "internet gateways", "delete"),
    ("ec2", "security-group"): (12, "security groups", "delete"),
    ("ec2", "vpc"): (13, "VPCs", "delete"),
    ("kms", "key"): (14, "KMS keys", "schedule deletion"),
    ("sso-admin", "permission-set"): (15, "permission sets (and their account assignments)", "delete"),
    ("identitystore", "group-membership"): (15, "group memberships", "delete"),
    ("identitystore", "user"): (16, "identity-store users", "delete"),
    ("identitystore", "group"): (17, "identity-store groups", "delete"),
    ("iam", "instance-profile"): (18, "instance profiles", "delete"),
    ("iam", "role"): (19, "IAM roles (policies detached first)", "delete"),
    ("iam", "policy"): (20, "customer managed policies", "delete"),
    ("budgets", "budget"): (21, "budgets", "delete"),
    ("cloudwatch", "alarm"): (21, "alarms", "delete"),
}
OTHER = (22, "other tagged resources (no automatic deleter)", "report")


def plan(session, resources: Iterable[Resource]) -> list[Step]:
    """The resources as ordered steps (dependencies first)."""
    steps = []
    for r in resources:
        order, phase, action = PHASES.get((r.service, r.kind), OTHER)
        if r.kind == "training-job" and r.state in ("InProgress", "Stopping"):
            action = "stop and keep"
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


@dataclass
class _State:
    started: bool = False  # the delete call was made (a later "not found" means we deleted it)
    retries: int = 0
    reason: str = ""
    detail: str = ""


class _Ctx:
    def __init__(self, session) -> None:
        self.session = session
        self.local = bool(getattr(session, "local", False))
        self._clients: dict[tuple[str, str], Any] = {}

    def client(self, service: str, region: str | None = None):
        region = region if region and region != "global" else self.session.region
        key = (service, region)
        if key not in self._clients:
            kwargs = {"region_name": region} if region != self.session.region else {}
            self._clients[key] = self.session.client(service, **kwargs)
        return self._clients[key]


def run(session, steps: list[Step], dry_run: bool = True, *, max_wait: float | None = None,
        progress: bool | None = None, log: Callable[[str], None] | None = None) -> Report:
    """Carry out the plan (or, with dry_run, only say what would happen).

    `max_wait` is each phase's time budget for resources that are not deletable yet (default
    20 minutes in aws mode, where endpoints and notebook instances take minutes; 20 s locally)."""
    started = time.time()
    report = Report(dry_run=dry_run)
    if dry_run:
        for s in steps:
            verb = {"delete": "would delete", "schedule deletion": "would schedule deletion",
                    "keep": "would keep", "stop and keep": "would stop and keep", "report": "would report"}
            note = _dry_note(s)
            report.outcomes.append(Outcome(s, verb[s.action], detail=note))
        return report
    ctx = _Ctx(session)
    local = ctx.local
    budget = max_wait if max_wait is not None else (20.0 if local else 1200.0)
    base, cap = (0.25, 2.0) if local else (5.0, 60.0)
    show = progress if progress is not None else len(steps) >= 10
    bar = _bar(len(steps), show)
    results: dict[int, Outcome] = {}
    by_order: dict[int, list[Step]] = {}
    for s in steps:
        by_order.setdefault(s.order, []).append(s)
    try:
        for order in sorted(by_order):
            pending = [(s, _State(), time.time()) for s in by_order[order]]
            phase_start, delay = time.time(), base
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
                if time.time() - phase_start + delay > budget:
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
                delay = min(delay * 2, cap)
                for _, st, _ in waiting:
                    st.retries += 1
                pending = waiting
    finally:
        bar.close()
    report.outcomes = [results[id(s)] for s in steps if id(s) in results]
    report.seconds = round(time.time() - started, 1)
    return report


def _bar(total: int, show: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="cleanup", unit="resource", disable=not show, file=sys.stderr, leave=False)


def _dry_note(s: Step) -> str:
    r = s.resource
    if r.kind == "training-job":
        return "training jobs are immutable records: reported, not deleted"
    if r.kind == "key":
        return f"KMS keys are scheduled for deletion ({KMS_PENDING_DAYS}-day window)"
    if r.kind == "bucket":
        return "every object version and delete marker first"
    if s.action == "report":
        return "no automatic deleter for this type: delete it by hand"
    if r.found_by == "name":
        return "found by naming convention"
    if r.found_by == "parent":
        return f"found through {r.parent}" if r.parent else "found through the resource it belongs to"
    if r.found_by == "tagging-api":
        return "found by the Resource Groups Tagging API"
    return ""


def _attempt(ctx: _Ctx, s: Step, st: _State) -> Outcome | None:
    """One try: an Outcome when the step is finished, None when it should be retried."""
    deleter = DELETERS.get((s.resource.service, s.resource.kind))
    try:
        if s.action == "report" or deleter is None:
            raise Manual(f"no automatic deleter for {s.resource.service}/{s.resource.kind}: delete "
                         f"{s.resource.arn or s.resource.id} by hand")
        status = deleter(ctx, s.resource, st)
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
        if _code(exc) in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
            return Outcome(s, "failed", st.retries, f"not permitted: {_message(exc)}", st.detail)
        gap = unavailable(exc, ctx.local)
        if gap is not None:
            return Outcome(s, "not available", st.retries, gap, st.detail)
        if _code(exc) in RETRYABLE:
            st.reason = f"{_code(exc)}: {_message(exc)}"
            return None
        return Outcome(s, "failed", st.retries, f"{_code(exc)}: {_message(exc)}", st.detail)


def _message(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Message", "")) or str(exc)
    return str(exc)


# -- deleters: each returns the final status, raises NotYet to be retried -----------------------
def _quiet(call: Callable[..., Any], **kwargs) -> bool:
    """A preparatory call (detach, revoke, disassociate...) whose target may already be gone.

    Its "not found" must not be mistaken for the resource itself being gone: that is decided
    by the resource's own delete call. Returns False when the target was missing."""
    try:
        call(**kwargs)
        return True
    except ClientError as exc:
        if is_not_found(exc) or _code(exc) in ("InvalidPermission.NotFound", "Gateway.NotAttached"):
            return False
        raise


def _or_gone(read: Callable[[], Any]) -> Any:
    """read(), or None when the resource no longer exists (its describe call answers "not found")."""
    try:
        return read()
    except ClientError as exc:
        if is_not_found(exc):
            return None
        raise


def _gone_after(st: _State, check: Callable[[], str | None], what: str) -> str:
    """After the delete call: `check` returns the current status, or None once it is gone."""
    st.started = True
    status = check()
    if status is None:
        return "deleted"
    raise NotYet(f"{what} is {status}")


def _stack(ctx, r, st):
    cfn = ctx.client("cloudformation", r.region)

    def status():
        try:
            s = cfn.describe_stacks(StackName=r.arn or r.id)["Stacks"][0]
        except ClientError as exc:
            if is_not_found(exc):
                return None
            raise
        if s["StackStatus"] == "DELETE_COMPLETE":
            return None
        if s["StackStatus"] == "DELETE_FAILED" and st.started:
            raise ClientError({"Error": {"Code": "DeleteFailed", "Message": s.get("StackStatusReason", "")}},
                              "DeleteStack")
        return s["StackStatus"]

    current = status()
    if current is None:
        return "deleted"
    if current.endswith("_IN_PROGRESS") and not current.startswith("DELETE"):
        raise NotYet(f"stack is {current}")
    if not st.started:
        cfn.delete_stack(StackName=r.id)
    return _gone_after(st, status, "stack")


def _sm(ctx, r):
    return ctx.client("sagemaker", r.region)


def _notebook_instance(ctx, r, st):
    sm = _sm(ctx, r)
    status = sm.describe_notebook_instance(NotebookInstanceName=r.id)["NotebookInstanceStatus"]
    if status == "InService":
        sm.stop_notebook_instance(NotebookInstanceName=r.id)
        st.detail = "stopped first"
        status = sm.describe_notebook_instance(NotebookInstanceName=r.id)["NotebookInstanceStatus"]
    if status in ("Pending", "Stopping", "Updating"):
        raise NotYet(f"notebook instance is {status}; it can be deleted once Stopped")
    if status in ("Stopped", "Failed"):
        sm.delete_notebook_instance(NotebookInstanceName=r.id)

    def check():
        return _or_gone(lambda: sm.describe_notebook_instance(NotebookInstanceName=r.id)["NotebookInstanceStatus"])

    return _gone_after(st, check, "notebook instance")


def _endpoint(ctx, r, st):
    sm = _sm(ctx, r)
    status = sm.describe_endpoint(EndpointName=r.id)["EndpointStatus"]
    if status in ("Creating", "Updating", "SystemUpdating", "RollingBack", "UpdateRollbackFailed"):
        raise NotYet(f"endpoint is {status}; it can be deleted once InService or Failed")
    if status != "Deleting":
        sm.delete_endpoint(EndpointName=r.id)

    def check():
        return _or_gone(lambda: sm.describe_endpoint(EndpointName=r.id)["EndpointStatus"])

    return _gone_after(st, check, "endpoint")


def _simple(call: Callable[[Any, Resource], None]):
    """A deleter whose delete call is synchronous: gone once the call returns."""
    def deleter(ctx, r, st):
        call(ctx, r)
        st.started = True
        return "deleted"
    return deleter


def _training_job(ctx, r, st):
    sm = _sm(ctx, r)
    status = sm.describe_training_job(TrainingJobName=r.id)["TrainingJobStatus"]
    if status == "InProgress":
        sm.stop_training_job(TrainingJobName=r.id)
        st.detail = "it was still running; stopped so it costs nothing more"
        return "stopped (record kept)"
    st.detail = f"{status}; training jobs are immutable records (SageMaker keeps them, they cost nothing)"
    return "kept"


def _app(ctx, r, st):
    sm = _sm(ctx, r)
    item = r.extra.get("item", {})
    key = {"DomainId": item.get("DomainId", r.parent), "AppType": item["AppType"], "AppName": item["AppName"]}
    key.update({k: item[k] for k in ("UserProfileName", "SpaceName") if item.get(k)})
    status = sm.describe_app(**key).get("Status", "")
    if status == "Deleted":
        return "deleted"
    if status == "Pending":
        raise NotYet("app is Pending")
    if status != "Deleting":
        sm.delete_app(**key)

    def check():
        s = sm.describe_app(**key).get("Status", "")
        return None if s in ("Deleted", "") else s

    return _gone_after(st, check, "app")


def _user_profile(ctx, r, st):
    sm = _sm(ctx, r)
    name = r.extra.get("item", {}).get("UserProfileName", r.name)
    if not st.started:
        sm.delete_user_profile(DomainId=r.parent, UserProfileName=name)

    def check():
        return _or_gone(lambda: sm.describe_user_profile(DomainId=r.parent, UserProfileName=name)["Status"])

    return _gone_after(st, check, "user profile")


def _domain(ctx, r, st):
    sm = _sm(ctx, r)
    if not st.started:
        sm.delete_domain(DomainId=r.id, RetentionPolicy={"HomeEfsFileSystem": "Delete"})

    def check():
        return _or_gone(lambda: sm.describe_domain(DomainId=r.id)["Status"])

    return _gone_after(st, check, "domain")


def _file_system(ctx, r, st):
    efs = ctx.client("efs", r.region)
    targets = efs.describe_mount_targets(FileSystemId=r.id).get("MountTargets", [])
    for t in targets:
        if t.get("LifeCycleState") not in ("deleting", "deleted"):
            _quiet(efs.delete_mount_target, MountTargetId=t["MountTargetId"])
    if targets:
        st.started = True
        raise NotYet(f"{len(targets)} mount target(s) are being deleted")
    efs.delete_file_system(FileSystemId=r.id)
    st.started = True

    def check():
        try:
            fs = efs.describe_file_systems(FileSystemId=r.id)["FileSystems"]
        except ClientError as exc:
            if is_not_found(exc):
                return None
            raise
        return fs[0]["LifeCycleState"] if fs and fs[0]["LifeCycleState"] != "deleted" else None

    return _gone_after(st, check, "file system")


def _trial_component(ctx, r, st):
    sm = _sm(ctx, r)
    try:
        trials = [t["TrialName"] for t in _pages(sm, "list_trials", "TrialSummaries", TrialComponentName=r.id)]
    except ClientError as exc:
        if unavailable(exc, ctx.local) is None and not is_not_found(exc):
            raise
        trials = []
    for trial in trials:
        _quiet(sm.disassociate_trial_component, TrialComponentName=r.id, TrialName=trial)
    sm.delete_trial_component(TrialComponentName=r.id)
    st.started = True
    return "deleted"


def _trial(ctx, r, st):
    sm = _sm(ctx, r)
    for tc in _pages(sm, "list_trial_components", "TrialComponentSummaries", TrialName=r.id):
        _quiet(sm.disassociate_trial_component, TrialComponentName=tc["TrialComponentName"], TrialName=r.id)
    sm.delete_trial(TrialName=r.id)
    st.started = True
    return "deleted"


def _experiment(ctx, r, st):
    sm = _sm(ctx, r)
    trials = [t["TrialName"] for t in _pages(sm, "list_trials", "TrialSummaries", ExperimentName=r.id)]
    for trial in trials:  # an experiment's trials go with it (AWS refuses to delete it otherwise)
        try:
            _trial(ctx, Resource("sagemaker", "trial", trial, trial, region=r.region), _State())
        except ClientError as exc:
            if not is_not_found(exc):
                raise
    if trials:
        st.detail = f"with its {len(trials)} trial(s)"
    sm.delete_experiment(ExperimentName=r.id)
    st.started = True
    return "deleted"


def _rule(ctx, r, st):
    ev = ctx.client("events", r.region)
    bus = r.extra.get("bus", "default")
    targets = [t["Id"] for t in _pages(ev, "list_targets_by_rule", "Targets", Rule=r.id, EventBusName=bus)]
    if targets:
        _quiet(ev.remove_targets, Rule=r.id, EventBusName=bus, Ids=targets, Force=True)
        st.detail = f"{len(targets)} target(s) removed first"
    ev.delete_rule(Name=r.id, EventBusName=bus, Force=True)
    st.started = True
    return "deleted"


def _mapping(ctx, r, st):
    lam = ctx.client("lambda", r.region)
    if not st.started:
        state = lam.get_event_source_mapping(UUID=r.id).get("State", "")
        if state in ("Creating", "Updating", "Enabling", "Disabling"):
            raise NotYet(f"event source mapping is {state}")
        if state != "Deleting":
            lam.delete_event_source_mapping(UUID=r.id)

    def check():
        return _or_gone(lambda: lam.get_event_source_mapping(UUID=r.id).get("State", "Deleting"))

    return _gone_after(st, check, "event source mapping")


def _table(ctx, r, st):
    ddb = ctx.client("dynamodb", r.region)
    if not st.started:
        status = ddb.describe_table(TableName=r.id)["Table"]["TableStatus"]
        if status in ("CREATING", "UPDATING"):
            raise NotYet(f"table is {status}")
        if status != "DELETING":
            ddb.delete_table(TableName=r.id)

    def check():
        return _or_gone(lambda: ddb.describe_table(TableName=r.id)["Table"]["TableStatus"])

    return _gone_after(st, check, "table")


def _bucket(ctx, r, st):
    s3 = ctx.client("s3", r.region)
    # A "deny unless from the VPC endpoint" bucket policy (the secure lab's) would refuse the
    # object deletions below from outside the VPC: the owner removes it first.
    try:
        s3.delete_bucket_policy(Bucket=r.id)
    except ClientError as exc:
        if _code(exc) not in ("NoSuchBucketPolicy",) and not is_not_found(exc):
            raise
    versions = markers = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=r.id):
        batch = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in page.get("Versions", [])]
        marks = [{"Key": m["Key"], "VersionId": m["VersionId"]} for m in page.get("DeleteMarkers", [])]
        for chunk in _chunks(batch + marks, 1000):
            out = s3.delete_objects(Bucket=r.id, Delete={"Objects": chunk, "Quiet": True})
            if out.get("Errors"):
                e = out["Errors"][0]
                raise ClientError({"Error": {"Code": e.get("Code", "DeleteObjectsFailed"),
                                             "Message": f"{len(out['Errors'])} object(s) not deleted, e.g. "
                                                        f"{e.get('Key')}: {e.get('Message', '')}"}}, "DeleteObjects")
        versions += len(batch)
        markers += len(marks)
    for up in s3.list_multipart_uploads(Bucket=r.id).get("Uploads", []):
        s3.abort_multipart_upload(Bucket=r.id, Key=up["Key"], UploadId=up["UploadId"])
    if versions or markers:
        st.started = True
        st.detail = f"{versions} object version(s) and {markers} delete marker(s) removed"
    s3.delete_bucket(Bucket=r.id)
    st.started = True
    return "deleted"


def _chunks(items: list, n: int):
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _vpc_endpoint(ctx, r, st):
    ec2 = ctx.client("ec2", r.region)

    def check():
        try:
            eps = ec2.describe_vpc_endpoints(VpcEndpointIds=[r.id])["VpcEndpoints"]
        except ClientError as exc:
            if is_not_found(exc):
                return None
            raise
        state = eps[0]["State"] if eps else "deleted"
        return None if state.lower() == "deleted" else state

    current = check()
    if current is None:
        return "deleted"
    if current.lower() in ("pending", "pendingacceptance"):
        raise NotYet(f"VPC endpoint is {current}")
    if current.lower() != "deleting":
        out = ec2.delete_vpc_endpoints(VpcEndpointIds=[r.id])
        if out.get("Unsuccessful"):
            err = out["Unsuccessful"][0].get("Error", {})
            raise ClientError({"Error": {"Code": err.get("Code", "Unsuccessful"),
                                         "Message": err.get("Message", "")}}, "DeleteVpcEndpoints")
    return _gone_after(st, check, "VPC endpoint")


def _enis_in(ec2, name: str, value: str) -> list[dict]:
    return list(_pages(ec2, "describe_network_interfaces", "NetworkInterfaces",
                       Filters=[{"Name": name, "Values": [value]}]))


def _release_enis(ec2, enis: list[dict]) -> list[dict]:
    """Delete the detached interfaces we may delete; return those still in use."""
    busy = []
    for eni in enis:
        if eni.get("Status") == "available" and not eni.get("RequesterManaged"):
            try:
                ec2.delete_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"])
                continue
            except ClientError as exc:
                if is_not_found(exc):
                    continue
        busy.append(eni)
    return busy


def _subnet(ctx, r, st):
    ec2 = ctx.client("ec2", r.region)
    busy = _release_enis(ec2, _enis_in(ec2, "subnet-id", r.id))
    try:
        ec2.delete_subnet(SubnetId=r.id)
    except ClientError as exc:
        if _code(exc) == "DependencyViolation" and busy:
            raise NotYet(f"{len(busy)} network interface(s) still in use "
                         f"({', '.join(e.get('Description') or e['NetworkInterfaceId'] for e in busy[:3])}); "
                         "Lambda and SageMaker release theirs some minutes after their resources are deleted")
        raise
    st.started = True
    return "deleted"


def _route_table(ctx, r, st):
    ec2 = ctx.client("ec2", r.region)
    tables = ec2.describe_route_tables(RouteTableIds=[r.id])["RouteTables"]
    for a in (tables[0].get("Associations", []) if tables else []):
        if not a.get("Main") and a.get("RouteTableAssociationId"):
            _quiet(ec2.disassociate_route_table, AssociationId=a["RouteTableAssociationId"])
    ec2.delete_route_table(RouteTableId=r.id)
    st.started = True
    return "deleted"


def _internet_gateway(ctx, r, st):
    ec2 = ctx.client("ec2", r.region)
    for vpc in [v for v in r.parent.split(",") if v]:
        _quiet(ec2.detach_internet_gateway, InternetGatewayId=r.id, VpcId=vpc)
    ec2.delete_internet_gateway(InternetGatewayId=r.id)
    st.started = True
    return "deleted"


def _security_group(ctx, r, st):
    ec2 = ctx.client("ec2", r.region)
    if not st.started:
        groups = ec2.describe_security_groups(GroupIds=[r.id])["SecurityGroups"]
        group = groups[0] if groups else {}
        # Rules that name other groups keep those groups alive: revoke them first.
        for direction, perms in (("ingress", group.get("IpPermissions", [])),
                                 ("egress", group.get("IpPermissionsEgress", []))):
            refs = [p for p in perms if p.get("UserIdGroupPairs")]
            if refs:
                call = ec2.revoke_security_group_ingress if direction == "ingress" else ec2.revoke_security_group_egress
                for perm in refs:  # one by one: a rule naming a group already deleted is gone with it
                    _quiet(call, GroupId=r.id, IpPermissions=[perm])
        st.started = True
    try:
        ec2.delete_security_group(GroupId=r.id)
    except ClientError as exc:
        if _code(exc) == "DependencyViolation":
            enis = _release_enis(ec2, _enis_in(ec2, "group-id", r.id))
            raise NotYet(f"still in use ({len(enis)} network interface(s) or a rule of another group)")
        if is_not_found(exc):
            return "deleted"
        raise
    return "deleted"


def _vpc(ctx, r, st):
    ec2 = ctx.client("ec2", r.region)
    try:
        ec2.delete_vpc(VpcId=r.id)
    except ClientError as exc:
        if _code(exc) != "DependencyViolation":
            raise
        left = []
        for what, op, key in (("subnet", "describe_subnets", "Subnets"),
                              ("security group", "describe_security_groups", "SecurityGroups"),
                              ("VPC endpoint", "describe_vpc_endpoints", "VpcEndpoints"),
                              ("network interface", "describe_network_interfaces", "NetworkInterfaces")):
            items = [i for i in _pages(ec2, op, key, Filters=[{"Name": "vpc-id", "Values": [r.id]}])
                     if i.get("GroupName") != "default" and str(i.get("State", "")).lower() != "deleted"]
            if items:
                left.append(f"{len(items)} {what}(s)")
        raise NotYet("the VPC still holds " + (", ".join(left) or "dependencies") +
                     " (not created by the workshop, or still being deleted)")
    st.started = True
    return "deleted"


def _key(ctx, r, st):
    kms = ctx.client("kms", r.region)
    meta = kms.describe_key(KeyId=r.id)["KeyMetadata"]
    if meta.get("KeyState") in ("PendingDeletion", "PendingReplicaDeletion"):
        st.detail = f"already pending deletion (on {meta.get('DeletionDate', '?')})"
        return "already gone"
    for alias in _pages(kms, "list_aliases", "Aliases", KeyId=r.id):
        _quiet(kms.delete_alias, AliasName=alias["AliasName"])
    out = kms.schedule_key_deletion(KeyId=r.id, PendingWindowInDays=KMS_PENDING_DAYS)
    when = out.get("DeletionDate")
    st.detail = f"deleted on {when:%Y-%m-%d}" if hasattr(when, "strftime") else f"in {KMS_PENDING_DAYS} days"
    st.started = True
    return "scheduled for deletion"


def _permission_set(ctx, r, st):
    sso = ctx.client("sso-admin", r.region)
    inst = r.extra["instance_arn"]
    pending = 0
    for account in _pages(sso, "list_accounts_for_provisioned_permission_set", "AccountIds",
                          InstanceArn=inst, PermissionSetArn=r.id):
        for a in _pages(sso, "list_account_assignments", "AccountAssignments", InstanceArn=inst,
                        AccountId=account, PermissionSetArn=r.id):
            out = sso.delete_account_assignment(InstanceArn=inst, TargetId=account, TargetType="AWS_ACCOUNT",
                                                PermissionSetArn=r.id, PrincipalType=a["PrincipalType"],
                                                PrincipalId=a["PrincipalId"])
            status = out.get("AccountAssignmentDeletionStatus", {}).get("Status", "SUCCEEDED")
            pending += status == "IN_PROGRESS"
            st.detail = "account assignments removed first"
    if pending:
        st.started = True
        raise NotYet(f"{pending} account assignment(s) are being removed")
    sso.delete_permission_set(InstanceArn=inst, PermissionSetArn=r.id)
    st.started = True
    return "deleted"


def _instance_profile(ctx, r, st):
    iam = ctx.client("iam")
    prof = iam.get_instance_profile(InstanceProfileName=r.id)["InstanceProfile"]
    for role in prof.get("Roles", []):
        _quiet(iam.remove_role_from_instance_profile, InstanceProfileName=r.id, RoleName=role["RoleName"])
    iam.delete_instance_profile(InstanceProfileName=r.id)
    st.started = True
    return "deleted"


def _role(ctx, r, st):
    iam = ctx.client("iam")
    done = []
    for prof in _pages(iam, "list_instance_profiles_for_role", "InstanceProfiles", RoleName=r.id):
        _quiet(iam.remove_role_from_instance_profile, InstanceProfileName=prof["InstanceProfileName"], RoleName=r.id)
        if len(prof.get("Roles", [])) <= 1:  # the profile only existed for this role
            _quiet(iam.delete_instance_profile, InstanceProfileName=prof["InstanceProfileName"])
        done.append("instance profile")
    for pol in _pages(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=r.id):
        _quiet(iam.detach_role_policy, RoleName=r.id, PolicyArn=pol["PolicyArn"])
        done.append("managed policy")
    for name in _pages(iam, "list_role_policies", "PolicyNames", RoleName=r.id):
        _quiet(iam.delete_role_policy, RoleName=r.id, PolicyName=name)
        done.append("inline policy")
    if done:
        st.detail = "first: " + ", ".join(f"{done.count(x)} {x}{'s' if done.count(x) > 1 else ''} "
                                          f"{'deleted' if x == 'inline policy' else 'detached'}"
                                          for x in dict.fromkeys(done))
    iam.delete_role(RoleName=r.id)
    st.started = True
    return "deleted"


def _policy(ctx, r, st):
    iam = ctx.client("iam")
    arn = r.id
    ents = iam.list_entities_for_policy(PolicyArn=arn)
    for role in ents.get("PolicyRoles", []):
        _quiet(iam.detach_role_policy, RoleName=role["RoleName"], PolicyArn=arn)
    for user in ents.get("PolicyUsers", []):
        _quiet(iam.detach_user_policy, UserName=user["UserName"], PolicyArn=arn)
    for group in ents.get("PolicyGroups", []):
        _quiet(iam.detach_group_policy, GroupName=group["GroupName"], PolicyArn=arn)
    n = sum(len(ents.get(k, [])) for k in ("PolicyRoles", "PolicyUsers", "PolicyGroups"))
    if n:
        st.detail = f"detached from {n} identit{'y' if n == 1 else 'ies'} first"
    for v in _pages(iam, "list_policy_versions", "Versions", PolicyArn=arn):
        if not v.get("IsDefaultVersion"):
            _quiet(iam.delete_policy_version, PolicyArn=arn, VersionId=v["VersionId"])
    iam.delete_policy(PolicyArn=arn)
    st.started = True
    return "deleted"


def _alarm(ctx, r, st):
    cw = ctx.client("cloudwatch", r.region)
    if not cw.describe_alarms(AlarmNames=[r.id]).get("MetricAlarms"):
        return "deleted" if st.started else "already gone"  # DeleteAlarms says nothing about missing alarms
    cw.delete_alarms(AlarmNames=[r.id])
    st.started = True
    return "deleted"


def _store(r: Resource) -> str:
    return r.extra["store"]


DELETERS: dict[tuple[str, str], Callable[[_Ctx, Resource, _State], str]] = {
    ("cloudformation", "stack"): _stack,
    ("sagemaker", "notebook-instance"): _notebook_instance,
    ("sagemaker", "training-job"): _training_job,
    ("sagemaker", "endpoint"): _endpoint,
    ("sagemaker", "app"): _app,
    ("sagemaker", "endpoint-config"): _simple(
        lambda c, r: _sm(c, r).delete_endpoint_config(EndpointConfigName=r.id)),
    ("sagemaker", "user-profile"): _user_profile,
    ("sagemaker", "notebook-lifecycle-config"): _simple(
        lambda c, r: _sm(c, r).delete_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=r.id)),
    ("sagemaker", "trial-component"): _trial_component,
    ("sagemaker", "model"): _simple(lambda c, r: _sm(c, r).delete_model(ModelName=r.id)),
    ("sagemaker", "domain"): _domain,
    ("sagemaker", "trial"): _trial,
    ("sagemaker", "experiment"): _experiment,
    ("efs", "file-system"): _file_system,
    ("events", "rule"): _rule,
    ("apigatewayv2", "http-api"): _simple(lambda c, r: (c.client("apigatewayv2", r.region).get_api(ApiId=r.id),
                                                        c.client("apigatewayv2", r.region).delete_api(ApiId=r.id))),
    ("lambda", "event-source-mapping"): _mapping,
    ("lambda", "function"): _simple(lambda c, r: c.client("lambda", r.region).delete_function(FunctionName=r.id)),
    ("logs", "log-group"): _simple(lambda c, r: c.client("logs", r.region).delete_log_group(logGroupName=r.id)),
    ("ecr", "repository"): _simple(
        lambda c, r: c.client("ecr", r.region).delete_repository(repositoryName=r.id, force=True)),
    ("dynamodb", "table"): _table,
    ("sqs", "queue"): _simple(lambda c, r: c.client("sqs", r.region).delete_queue(QueueUrl=r.id)),
    ("s3", "bucket"): _bucket,
    ("ec2", "vpc-endpoint"): _vpc_endpoint,
    ("ec2", "subnet"): _subnet,
    ("ec2", "route-table"): _route_table,
    ("ec2", "internet-gateway"): _internet_gateway,
    ("ec2", "security-group"): _security_group,
    ("ec2", "vpc"): _vpc,
    ("kms", "key"): _key,
    ("sso-admin", "permission-set"): _permission_set,
    ("identitystore", "group-membership"): _simple(lambda c, r: (
        c.client("identitystore").describe_group_membership(IdentityStoreId=_store(r), MembershipId=r.id),
        c.client("identitystore").delete_group_membership(IdentityStoreId=_store(r), MembershipId=r.id))),
    ("identitystore", "user"): _simple(lambda c, r: (
        c.client("identitystore").describe_user(IdentityStoreId=_store(r), UserId=r.id),
        c.client("identitystore").delete_user(IdentityStoreId=_store(r), UserId=r.id))),
    ("identitystore", "group"): _simple(lambda c, r: (
        c.client("identitystore").describe_group(IdentityStoreId=_store(r), GroupId=r.id),
        c.client("identitystore").delete_group(IdentityStoreId=_store(r), GroupId=r.id))),
    ("iam", "instance-profile"): _instance_profile,
    ("iam", "role"): _role,
    ("iam", "policy"): _policy,
    ("budgets", "budget"): _simple(
        lambda c, r: c.client("budgets", "us-east-1").delete_budget(AccountId=c.session.account_id,
                                                                    BudgetName=r.id)),
    ("cloudwatch", "alarm"): _alarm,
}


def remaining_after(session, *, event: str | None) -> list[Resource]:
    """What the inventory still finds, minus the immutable records the cleanup keeps on purpose."""
    from helpers.resources.inventory import list_resources

    return [r for r in list_resources(session, event=event) if r.kind != "training-job"]
