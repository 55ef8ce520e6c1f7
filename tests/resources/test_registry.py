"""The registry of resource kinds agrees with itself: every listed kind can be deleted, every
deletable kind is listed, and the phase numbers respect the dependency order the kinds declare.

The last tests show what the registry refuses (a fresh `Registry`, not the workshop's) and
that the inventory can be narrowed to a project's tags.
"""
from __future__ import annotations

import pytest

from helpers.resources import cleanup, inventory, registry
from helpers.resources.base import Listing, Resource, synchronous
from helpers.tagging import workshop_tags

KINDS = registry.kinds()


def _after_closure(key):
    """Every kind `key` must be deleted after, directly or through others."""
    seen, todo = set(), list(KINDS[key].after)
    while todo:
        k = todo.pop()
        if k not in seen:
            seen.add(k)
            todo.extend(KINDS[k].after)
    return seen


def test_the_registry_is_consistent():
    assert registry.REGISTRY.problems() == []


def test_every_listed_kind_has_a_phase_and_a_deleter():
    listed = registry.REGISTRY.listed()
    missing = sorted(listed - set(KINDS))
    assert not missing, f"listed but not declared (no phase, no deleter): {missing}"
    for key in listed:
        k = KINDS[key]
        assert callable(k.delete) and isinstance(k.phase, int) and k.title, key
        assert k.action in ("delete", "schedule deletion", "keep"), key


def test_every_declared_kind_is_listed():
    orphans = sorted(set(KINDS) - registry.REGISTRY.listed())
    assert not orphans, f"a deleter but no lister: {orphans}"


def test_phases_respect_the_declared_dependencies():
    for key, k in KINDS.items():
        for dep in k.after:
            assert dep in KINDS, f"{key} names {dep}, which is not registered"
            assert KINDS[dep].phase < k.phase, f"{key} (phase {k.phase}) must come after {dep} ({KINDS[dep].phase})"


@pytest.mark.parametrize("chain", [
    [("sagemaker", "endpoint"), ("sagemaker", "endpoint-config"), ("sagemaker", "model")],
    [("ec2", "vpc-endpoint"), ("ec2", "subnet"), ("ec2", "security-group"), ("ec2", "vpc")],
    [("iam", "instance-profile"), ("iam", "role"), ("iam", "policy")],
    [("lambda", "event-source-mapping"), ("lambda", "function"), ("logs", "log-group")],
    [("sagemaker", "app"), ("sagemaker", "user-profile"), ("sagemaker", "domain"), ("efs", "file-system")],
    [("sagemaker", "trial-component"), ("sagemaker", "trial"), ("sagemaker", "experiment")],
    [("sagemaker", "notebook-instance"), ("sagemaker", "notebook-lifecycle-config")],
    [("identitystore", "group-membership"), ("identitystore", "group")],
    [("identitystore", "group-membership"), ("identitystore", "user")],
], ids=lambda chain: " < ".join(k for _, k in chain))
def test_dependency_order_is_data(chain):
    """The order is declared (`after`), not only implied by the numbers."""
    for first, then in zip(chain, chain[1:]):
        assert first in _after_closure(then), f"{then} does not declare it goes after {first}"
        assert KINDS[first].phase < KINDS[then].phase


def test_cleanup_views_are_read_from_the_registry():
    assert set(cleanup.PHASES) == set(cleanup.DELETERS) == set(KINDS)
    for key, k in KINDS.items():
        assert cleanup.PHASES[key] == (k.phase, k.title, k.action) and cleanup.DELETERS[key] is k.delete
    assert cleanup.OTHER[0] > max(k.phase for k in KINDS.values())
    with pytest.raises(TypeError):
        cleanup.PHASES[("sns", "topic")] = (1, "topics", "delete")  # type: ignore[index]


def test_the_plan_uses_each_kinds_declaration():
    running = Resource("sagemaker", "training-job", "j", "j", state="InProgress")
    done = Resource("sagemaker", "training-job", "k", "k", state="Completed")
    unknown = Resource("sns", "topic", "t", "arn:aws:sns:us-east-1:1:t", found_by="tagging-api")
    steps = {s.resource.name: s for s in cleanup.plan(None, [unknown, done, running])}
    assert steps["j"].action == "stop and keep" and steps["k"].action == "keep"
    assert (steps["t"].order, steps["t"].action) == (cleanup.OTHER[0], "report")
    assert cleanup.KMS_PENDING_DAYS == 7 and "7-day" in KINDS[("kms", "key")].note


# -- what the registry refuses ---------------------------------------------------------------------
def _gone(ctx, r, st):
    return "deleted"


def test_a_listed_kind_without_a_deleter_is_a_problem():
    reg = registry.Registry()
    reg.lister("sqs", ["queue", "dead-letter"])(lambda ctx: [])
    reg.kind("sqs", "queue", phase=1, title="queues", delete=_gone)
    assert reg.problems() == ["sqs:dead-letter is listed but has no deleter or phase "
                              "(register it with @deleter or kind())"]


def test_a_deleter_without_a_lister_is_a_problem():
    reg = registry.Registry()
    reg.kind("sqs", "queue", phase=1, title="queues", delete=synchronous(lambda c, r: None))
    assert reg.problems() == ["sqs:queue has a deleter but no lister yields it"]


def test_a_phase_before_its_dependency_is_a_problem():
    reg = registry.Registry()
    reg.lister("ec2", ["subnet", "vpc"])(lambda ctx: [])
    reg.kind("ec2", "subnet", phase=5, title="subnets", delete=_gone)
    reg.deleter("ec2", "vpc", phase=5, title="VPCs", after=["subnet", "internet-gateway"])(_gone)
    assert reg.problems() == ["ec2:vpc (phase 5) must come after ec2:subnet (phase 5)",
                              "ec2:vpc is to be deleted after ec2:internet-gateway, which is not registered"]


def test_a_kind_cannot_be_registered_twice_or_without_a_deleter():
    reg = registry.Registry()
    reg.kind("sqs", "queue", phase=1, title="queues", delete=_gone)
    with pytest.raises(ValueError, match="twice"):
        reg.kind("sqs", "queue", phase=2, title="queues", delete=_gone)
    with pytest.raises(TypeError):
        reg.kind("sqs", "topic", phase=2, title="topics", delete=None)  # type: ignore[arg-type]


def test_a_lister_yielding_an_undeclared_kind_fails_at_listing_time():
    reg = registry.Registry()

    @reg.lister("sqs", ["queue"])
    def sloppy(ctx):
        yield Resource("sqs", "queue", "q", "q")
        yield Resource("sqs", "dead-letter", "d", "d")

    (lister,) = reg.listers()
    with pytest.raises(registry.UndeclaredKind, match="sqs:dead-letter"):
        list(lister.run(None))


# -- the inventory narrowed to more tags -------------------------------------------------------
def test_inventory_by_extra_tags_keeps_the_owners_dependents(session, unique):
    """`tags=` keeps what carries them, and the untagged dependents found through it (a function's
    log group); the event's other resources are left out."""
    from tests.support import make_function

    event = f"scope-{unique}"
    mine, other = {**workshop_tags(event), "project": "p1"}, {**workshop_tags(event), "project": "p2"}
    sqs, lam, logs = session.client("sqs"), session.client("lambda"), session.client("logs")
    urls = [sqs.create_queue(QueueName=f"{event}-{p}", tags=t)["QueueUrl"] for p, t in (("a", mine), ("b", other))]
    fn = f"fn-{unique}"  # not named after the event: its log group is found through the function
    make_function(session, fn, "def handler(e, c):\n    return 1\n")
    lam.tag_resource(Resource=lam.get_function(FunctionName=fn)["Configuration"]["FunctionArn"], Tags=mine)
    logs.create_log_group(logGroupName=f"/aws/lambda/{fn}")
    try:
        scoped = inventory.list_resources(session, event=event, tags={"project": "p1"})
        assert sorted((r.service, r.name) for r in scoped) == [
            ("lambda", fn), ("logs", f"/aws/lambda/{fn}"), ("sqs", f"{event}-a")]
        everything = inventory.list_resources(session, event=event, services=["sqs"])
        assert sorted(r.name for r in everything) == [f"{event}-a", f"{event}-b"]
    finally:
        for url in urls:
            sqs.delete_queue(QueueUrl=url)
        lam.delete_function(FunctionName=fn)
        logs.delete_log_group(logGroupName=f"/aws/lambda/{fn}")


def test_listing_scope_has_every_required_tag(session):
    ctx = Listing(session, "cup", {"project": "p1"})
    assert ctx.scope == {"workshop": "ml-events", "event": "cup", "project": "p1"}
    assert ctx.match({"workshop": "ml-events", "event": "cup", "project": "p1", "x": "y"})
    assert not ctx.match({"workshop": "ml-events", "event": "cup", "project": "p2"})
    assert ctx.events == {"cup"}
