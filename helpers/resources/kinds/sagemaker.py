"""SageMaker hosting, notebooks, training jobs and experiments (Studio is in `studio`).

Endpoints go before their configs, configs before their models. Notebook instances are
stopped, then deleted once Stopped; their lifecycle configs after them. Training jobs are
immutable records: reported (and stopped if still running), never deleted. Trial components
are taken out of their trials, trials out of their experiments, before each is deleted.
"""
from __future__ import annotations

from typing import Iterator

from botocore.exceptions import ClientError

from helpers.aws import is_not_found, or_gone, pages, quiet, tag_dict, unavailable
from helpers.resources.base import Attempt, Listing, NotYet, Resource, gone_after, is_workshop, synchronous
from helpers.resources.registry import deleter, kind, lister


def tags_of(sm, arn: str) -> dict[str, str]:
    """A SageMaker resource's tags ({} once it is gone)."""
    try:
        return tag_dict(list(pages(sm, "list_tags", "Tags", ResourceArn=arn)))
    except ClientError as exc:
        if is_not_found(exc):
            return {}
        raise


@lister("sagemaker", ["endpoint", "endpoint-config", "model", "notebook-instance", "notebook-lifecycle-config",
                      "experiment", "trial", "trial-component", "training-job"])
def list_sagemaker(ctx: Listing) -> Iterator[Resource]:
    sm = ctx.client("sagemaker")

    def simple(kind: str, op: str, key: str, name_key: str, arn_key: str, status_key: str = ""):
        def produce():
            for item in pages(sm, op, key):
                t = tags_of(sm, item[arn_key])
                if ctx.match(t):
                    yield ctx.res("sagemaker", kind, item[name_key], item[name_key], arn=item[arn_key], tags=t,
                                  state=item.get(status_key, "") if status_key else "")
        return ctx.section("sagemaker", kind, produce)

    yield from simple("endpoint", "list_endpoints", "Endpoints", "EndpointName", "EndpointArn", "EndpointStatus")
    yield from simple("endpoint-config", "list_endpoint_configs", "EndpointConfigs", "EndpointConfigName",
                      "EndpointConfigArn")
    yield from simple("model", "list_models", "Models", "ModelName", "ModelArn")
    notebooks = simple("notebook-instance", "list_notebook_instances", "NotebookInstances", "NotebookInstanceName",
                       "NotebookInstanceArn", "NotebookInstanceStatus")
    yield from notebooks
    yield from _lifecycle_configs(ctx, sm, notebooks)
    yield from simple("experiment", "list_experiments", "ExperimentSummaries", "ExperimentName", "ExperimentArn")
    yield from simple("trial", "list_trials", "TrialSummaries", "TrialName", "TrialArn")
    yield from simple("trial-component", "list_trial_components", "TrialComponentSummaries", "TrialComponentName",
                      "TrialComponentArn")
    yield from simple("training-job", "list_training_jobs", "TrainingJobSummaries", "TrainingJobName",
                      "TrainingJobArn", "TrainingJobStatus")


def _lifecycle_configs(ctx: Listing, sm, notebooks: list[Resource]) -> Iterator[Resource]:
    """Lifecycle configs: tagged ones, and those the workshop's notebook instances use."""
    used: dict[str, str] = {}
    for nb in notebooks:
        try:
            lc = sm.describe_notebook_instance(NotebookInstanceName=nb.id).get("NotebookInstanceLifecycleConfigName")
        except ClientError:
            lc = None
        if lc:
            used[lc] = nb.id

    def tagged_or_used():
        for lc in pages(sm, "list_notebook_instance_lifecycle_configs", "NotebookInstanceLifecycleConfigs"):
            name = lc["NotebookInstanceLifecycleConfigName"]
            t = tags_of(sm, lc["NotebookInstanceLifecycleConfigArn"])
            if ctx.match(t) or name in used:
                used.pop(name, None)
                yield ctx.res("sagemaker", "notebook-lifecycle-config", name, name,
                              arn=lc["NotebookInstanceLifecycleConfigArn"], tags=t,
                              found_by="tag" if is_workshop(t, ctx.event) else "parent")

    yield from ctx.section("sagemaker", "notebook-lifecycle-config", tagged_or_used)
    for gap in ctx.gaps:
        if gap.kind == "notebook-lifecycle-config" and "instead" not in gap.reason:
            gap.reason = gap.reason.split(";")[0] + "; found through the workshop's notebook instances instead"
    if any(g.kind == "notebook-lifecycle-config" for g in ctx.gaps):
        # The list API is missing (moto 5.2): describe the ones the workshop's instances name.
        for name, owner in sorted(used.items()):
            try:
                d = sm.describe_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=name)
            except ClientError:
                continue
            # An untagged dependent shows its owner's tags in the table.
            tags = next((r.tags for r in notebooks if r.id == owner), {})
            yield ctx.res("sagemaker", "notebook-lifecycle-config", name, name,
                          arn=d.get("NotebookInstanceLifecycleConfigArn", ""), found_by="parent", parent=owner,
                          tags=dict(tags))


# -- deleting ------------------------------------------------------------------------------------
def _sm(ctx, r):
    return ctx.client("sagemaker", r.region)


def _training_job_action(r: Resource) -> str:
    return "stop and keep" if r.state in ("InProgress", "Stopping") else "keep"


@deleter("sagemaker", "training-job", phase=2, title="training jobs (immutable records)", action="keep",
         action_for=_training_job_action, note="training jobs are immutable records: reported, not deleted")
def stop_training_job(ctx, r, st):
    sm = _sm(ctx, r)
    status = sm.describe_training_job(TrainingJobName=r.id)["TrainingJobStatus"]
    if status == "InProgress":
        sm.stop_training_job(TrainingJobName=r.id)
        st.detail = "it was still running; stopped so it costs nothing more"
        return "stopped (record kept)"
    st.detail = f"{status}; training jobs are immutable records (SageMaker keeps them, they cost nothing)"
    return "kept"


@deleter("sagemaker", "notebook-instance", phase=2, title="notebook instances (stop, wait, delete)")
def delete_notebook_instance(ctx, r, st):
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
        return or_gone(lambda: sm.describe_notebook_instance(NotebookInstanceName=r.id)["NotebookInstanceStatus"])

    return gone_after(st, check, "notebook instance")


@deleter("sagemaker", "endpoint", phase=3, title="endpoints")
def delete_endpoint(ctx, r, st):
    sm = _sm(ctx, r)
    status = sm.describe_endpoint(EndpointName=r.id)["EndpointStatus"]
    if status in ("Creating", "Updating", "SystemUpdating", "RollingBack", "UpdateRollbackFailed"):
        raise NotYet(f"endpoint is {status}; it can be deleted once InService or Failed")
    if status != "Deleting":
        sm.delete_endpoint(EndpointName=r.id)

    def check():
        return or_gone(lambda: sm.describe_endpoint(EndpointName=r.id)["EndpointStatus"])

    return gone_after(st, check, "endpoint")


kind("sagemaker", "endpoint-config", phase=4, title="endpoint configs", after=["endpoint"],
     delete=synchronous(lambda c, r: _sm(c, r).delete_endpoint_config(EndpointConfigName=r.id)))
kind("sagemaker", "notebook-lifecycle-config", phase=4, title="notebook lifecycle configs",
     after=["notebook-instance"], delete=synchronous(
         lambda c, r: _sm(c, r).delete_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=r.id)))
kind("sagemaker", "model", phase=5, title="models", after=["endpoint-config"],
     delete=synchronous(lambda c, r: _sm(c, r).delete_model(ModelName=r.id)))


def _unlink_then(sm, st: Attempt, pairs: list[tuple[str, str]], delete) -> str:
    """Take trial components out of their trials ((component, trial) pairs), then `delete()`:
    SageMaker refuses to delete either while they are associated."""
    for component, trial in pairs:
        quiet(sm.disassociate_trial_component, TrialComponentName=component, TrialName=trial)
    delete()
    st.started = True
    return "deleted"


@deleter("sagemaker", "trial-component", phase=4, title="trial components")
def delete_trial_component(ctx, r, st):
    sm = _sm(ctx, r)
    try:
        trials = [t["TrialName"] for t in pages(sm, "list_trials", "TrialSummaries", TrialComponentName=r.id)]
    except ClientError as exc:
        if unavailable(exc, ctx.local) is None and not is_not_found(exc):
            raise
        trials = []
    return _unlink_then(sm, st, [(r.id, trial) for trial in trials],
                        lambda: sm.delete_trial_component(TrialComponentName=r.id))


@deleter("sagemaker", "trial", phase=5, title="trials", after=["trial-component"])
def delete_trial(ctx, r, st):
    sm = _sm(ctx, r)
    components = pages(sm, "list_trial_components", "TrialComponentSummaries", TrialName=r.id)
    return _unlink_then(sm, st, [(tc["TrialComponentName"], r.id) for tc in components],
                        lambda: sm.delete_trial(TrialName=r.id))


@deleter("sagemaker", "experiment", phase=6, title="experiments", after=["trial"])
def delete_experiment(ctx, r, st):
    sm = _sm(ctx, r)
    trials = [t["TrialName"] for t in pages(sm, "list_trials", "TrialSummaries", ExperimentName=r.id)]
    for trial in trials:  # an experiment's trials go with it (AWS refuses to delete it otherwise)
        try:
            delete_trial(ctx, Resource("sagemaker", "trial", trial, trial, region=r.region), Attempt())
        except ClientError as exc:
            if not is_not_found(exc):
                raise
    if trials:
        st.detail = f"with its {len(trials)} trial(s)"
    sm.delete_experiment(ExperimentName=r.id)
    st.started = True
    return "deleted"
