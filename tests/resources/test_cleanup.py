"""The cleanup removes exactly what the workshop made, in order, and says what it did.

Isolation: these tests share the session's embedded runtime (tests/conftest.py)
with every other test, and those tests create resources with the same
`workshop=ml-events` tag. So each test here works on its **own event name**
(`cleanup-<random>`), and the inventory and the cleanup are scoped by the
`event` tag (`list_resources(session, event=...)`); resources found by naming
convention (identity-store group `<event>-racers`, budget `<event>-deepracer`,
permission set `<event>-racer`, log groups `/aws/lambda/<event>-*`) are scoped
by the same name. A bystander resource of another event is created to prove
the scope holds. Injected faults match only this event's resource names, and
are cleared afterwards.
"""
from __future__ import annotations

import pytest

from helpers.resources import cleanup, inventory
from labs.cleanup import rehearsal as footprint

EXPECTED_KINDS = {
    ("apigatewayv2", "http-api"), ("budgets", "budget"), ("cloudwatch", "alarm"), ("dynamodb", "table"),
    ("ec2", "route-table"), ("ec2", "security-group"), ("ec2", "subnet"), ("ec2", "vpc"), ("ec2", "vpc-endpoint"),
    ("ecr", "repository"), ("events", "rule"), ("iam", "policy"), ("iam", "role"),
    ("identitystore", "group"), ("identitystore", "group-membership"), ("identitystore", "user"),
    ("kms", "key"), ("lambda", "event-source-mapping"), ("lambda", "function"), ("logs", "log-group"),
    ("s3", "bucket"), ("sagemaker", "domain"), ("sagemaker", "endpoint"), ("sagemaker", "endpoint-config"),
    ("sagemaker", "experiment"), ("sagemaker", "model"), ("sagemaker", "notebook-instance"),
    ("sagemaker", "notebook-lifecycle-config"), ("sagemaker", "training-job"), ("sagemaker", "trial"),
    ("sagemaker", "trial-component"), ("sqs", "queue"), ("sso-admin", "permission-set"),
}


@pytest.fixture
def event(unique):
    return f"cleanup-{unique}"


@pytest.fixture
def bystander(session, unique):
    """A workshop resource of another event: the cleanup of `event` must leave it alone."""
    from helpers.tagging import workshop_tags

    sqs = session.client("sqs")
    url = sqs.create_queue(QueueName=f"bystander-{unique}", tags=workshop_tags(f"other-{unique}"))["QueueUrl"]
    yield url
    sqs.delete_queue(QueueUrl=url)


def _keys(resources):
    return sorted(r.key for r in resources)


def test_footprint_inventory_dry_run_cleanup_and_again(session, event, bystander):
    faults = session.runtime.faults
    fp = footprint.recreate(session, event)
    assert {row["lab"] for row in fp.rows} == {"01", "02", "03", "04", "05", "06"}

    found = inventory.list_resources(session, event=event)
    assert EXPECTED_KINDS <= {(r.service, r.kind) for r in found}
    from labs import LABS

    assert {row["lab"] for row in fp.rows} == {lab.number for lab in LABS if lab.footprint}
    declared = set().union(*(lab.kinds for lab in LABS))
    assert {(r.service, r.kind) for r in found} <= declared, "a footprint made a kind its lab does not declare"
    assert all(r.event == event for r in found)
    assert bystander not in {r.id for r in found}
    by_kind = found.kinds()
    assert by_kind["identitystore:user"] == 2 and by_kind["ec2:subnet"] == 2 and by_kind["ec2:vpc-endpoint"] == 5
    # What the emulator lacks is said, not hidden.
    gaps = {(g.service, g.kind): g.reason for g in found.gaps}
    assert "not implemented by the local emulator" in gaps[("sagemaker", "user-profile")]

    steps = cleanup.plan(session, found)
    order = [(s.resource.service, s.resource.kind) for s in steps]
    for first, then in ((("sagemaker", "endpoint"), ("sagemaker", "endpoint-config")),
                        (("sagemaker", "endpoint-config"), ("sagemaker", "model")),
                        (("lambda", "event-source-mapping"), ("lambda", "function")),
                        (("ec2", "vpc-endpoint"), ("ec2", "subnet")), (("ec2", "subnet"), ("ec2", "security-group")),
                        (("ec2", "security-group"), ("ec2", "vpc")), (("iam", "role"), ("iam", "policy")),
                        (("identitystore", "group-membership"), ("identitystore", "group")),
                        (("sagemaker", "notebook-instance"), ("sagemaker", "notebook-lifecycle-config"))):
        assert max(i for i, k in enumerate(order) if k == first) < min(i for i, k in enumerate(order) if k == then)

    dry = cleanup.run(session, steps, dry_run=True)
    assert dry.ok and {o.status for o in dry.outcomes} <= {"would delete", "would keep", "would schedule deletion"}
    assert _keys(inventory.list_resources(session, event=event)) == _keys(found)  # nothing changed

    # One endpoint refuses deletion once (the cause goes away while the cleanup waits);
    # one queue keeps refusing: it is retried, then reported with the reason.
    endpoint, stubborn = f"{event}-summarizer", f"{event}-provision-failures"
    project = footprint.secure_project_name(event)
    once = faults.inject("sagemaker", operations=["DeleteEndpoint"], when_body_contains=[endpoint], status=400,
                         code="ResourceInUse", message="Injected fault: the endpoint is being updated")
    faults.inject("sqs", operations=["DeleteQueue"], when_body_contains=[stubborn], status=400,
                  code="ResourceInUseException", message="Injected fault: the queue is held by another consumer")

    def heal(message: str) -> None:
        with faults._lock:  # the runtime's threads read the rules under this lock
            if endpoint in message and once in faults.rules:
                faults.rules.remove(once)

    try:
        first = cleanup.run(session, steps, dry_run=False, max_wait=2.0, progress=False, log=heal)
    finally:
        faults.clear()
    ep = first.status_of("sagemaker", "endpoint", endpoint)
    assert ep.status == "deleted" and ep.retries >= 1 and once.hits == 1
    q = first.status_of("sqs", "queue", stubborn)
    assert q.status == "failed" and q.retries >= 2
    assert "still not deletable" in q.reason and "held by another consumer" in q.reason
    assert first.failed == [q]
    assert first.status_of("kms", "key", f"alias/{project}-dev").status == "scheduled for deletion"
    assert {o.status for o in first.outcomes if o.step.resource.kind == "training-job"} == {"kept"}
    nb = first.status_of("sagemaker", "notebook-instance", f"{project}-dev-notebook")
    assert nb.status == "deleted" and "stopped first" in nb.detail
    bucket = first.status_of("s3", "bucket", f"{project}-dev-data-{session.account_id}-{session.region}")
    assert bucket.status == "deleted" and "4 object version(s) and 1 delete marker(s)" in bucket.detail
    table = first.table()
    assert "deleted after 1 retry" in set(table["status"])

    # With the fault gone, a fresh inventory holds only the queue (and the kept training job).
    left = cleanup.remaining_after(session, event=event)
    assert [(r.service, r.name) for r in left] == [("sqs", stubborn)]
    second = cleanup.run(session, cleanup.plan(session, left), dry_run=False, progress=False)
    assert second.ok and [o.status for o in second.outcomes] == ["deleted"]
    assert cleanup.remaining_after(session, event=event) == []
    assert {r.kind for r in inventory.list_resources(session, event=event)} == {"training-job"}

    # Idempotent: the old plan again finds everything gone; a fresh plan has nothing to do.
    again = cleanup.run(session, steps, dry_run=False, progress=False)
    assert again.ok and set(again.counts()) == {"already gone", "kept"}
    empty = cleanup.run(session, cleanup.plan(session, cleanup.remaining_after(session, event=event)), dry_run=False)
    assert empty.outcomes == [] and empty.summary() == "nothing to clean up"

    # The other event's resource is untouched.
    assert session.client("sqs").list_queue_tags(QueueUrl=bystander)["Tags"]["event"].startswith("other-")


def test_a_not_yet_deletable_resource_is_waited_for(session, event):
    """An endpoint still Creating is retried until it can go (here: until its model has loaded)."""
    import io
    import json
    import tarfile

    from labs.summarizer import deploy

    slow = "import json, os, time\ndef model_fn(d):\n    time.sleep(1.5)\n    return {}\n" \
           "def predict_fn(x, m):\n    return x\n"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        info = tarfile.TarInfo("code/inference.py")
        info.size = len(slow)
        tf.addfile(info, io.BytesIO(slow.encode()))
    key = f"tests/{event}/model.tar.gz"
    session.client("s3").put_object(Bucket=session.bucket, Key=key, Body=buf.getvalue())
    name = f"{event}-slow"
    from helpers.tagging import workshop_tags
    from dataclasses import replace

    scoped = replace(session, tags=workshop_tags(event))
    deploy.deploy(scoped, name, f"s3://{session.bucket}/{key}", instance_type="ml.m5.large", wait=False)
    found = inventory.list_resources(session, event=event, services=["sagemaker"])
    assert {(r.kind, r.state) for r in found if r.kind == "endpoint"} == {("endpoint", "Creating")}
    messages: list[str] = []
    report = cleanup.run(session, cleanup.plan(session, found), dry_run=False, progress=False, log=messages.append)
    assert report.ok, report.table()
    ep = report.status_of("sagemaker", "endpoint", name)
    assert ep.status == "deleted" and ep.retries >= 1
    assert any("endpoint is Creating" in m for m in messages)
    assert cleanup.remaining_after(session, event=event) == []
    json.dumps(report.counts())


def test_aws_mode_also_asks_the_tagging_api_and_reports_what_it_cannot_delete(session, event):
    """A tagged resource no lister knows (here an SNS topic) is still found in aws mode, through the
    Resource Groups Tagging API, and the cleanup hands it to a person instead of ignoring it.
    (Run against the local runtime with the session relabelled `aws`: nothing here needs an account.)"""
    from dataclasses import replace

    from helpers.tagging import as_list, workshop_tags

    sns = session.client("sns")
    arn = sns.create_topic(Name=f"{event}-alerts", Tags=as_list(workshop_tags(event)))["TopicArn"]
    try:
        aws_like = replace(session, mode="aws")
        found = inventory.list_resources(aws_like, event=event)
        extra = [r for r in found if r.found_by == "tagging-api"]
        assert [(r.service, r.arn) for r in extra] == [("sns", arn)]
        report = cleanup.run(aws_like, cleanup.plan(aws_like, found), dry_run=False, progress=False)
        outcome = report.outcomes[0]
        assert outcome.status == "needs a person" and arn in outcome.reason
        assert not report.ok  # not deleted is not success
        assert inventory.list_resources(session, event=event) == []  # local mode does not ask the tagging API
    finally:
        sns.delete_topic(TopicArn=arn)
