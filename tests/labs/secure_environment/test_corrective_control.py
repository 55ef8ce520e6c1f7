"""The corrective control, end to end in the embedded runtime.

A SageMaker Create* call through the gateway -> the CloudTrail stand-in's event -> the
EventBridge rule (moto's pattern matcher) -> the Lambda runner running
`labs/secure_environment/functions/stop_noncompliant.py` -> the resource really stopped in the
emulator, and the decision in DynamoDB.
"""
from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from helpers.emulator import events as ct
from labs.secure_environment import corrective, lifecycle
from labs.secure_environment.project import make_scope
from tests.support import make_function, read_queue, wait_for, tar_gz

SLOW_TRAIN = '''
import os, sys, time
print("training", flush=True)
time.sleep(float(os.environ.get("SLEEP", "60")))
open(os.path.join(os.environ["SM_MODEL_DIR"], "model.txt"), "w").write("done")
'''


@pytest.fixture(scope="module")
def control(session):
    """A corrective control for a project of its own (subnets are made-up ids: the function only compares)."""
    scope = make_scope(session, "ctl-tests")
    ctl = corrective.ensure_corrective_control(session, scope, allowed_subnets=["subnet-aaa", "subnet-bbb"])
    yield scope, ctl




def _training_job(session, scope, name: str, *, vpc: dict | None = None, sleep: float = 60, tags=None) -> str:
    s3, sm = session.client("s3"), session.client("sagemaker")
    prefix = f"corrective/{name}"
    # distinct data per job: a job identical to an earlier one would reuse its cached result and never run
    s3.put_object(Bucket=session.bucket, Key=f"{prefix}/train/data.csv", Body=f"{name}\n".encode())
    s3.put_object(Bucket=session.bucket, Key=f"{prefix}/code/source.tar.gz", Body=tar_gz({"train.py": SLOW_TRAIN}))
    kwargs = dict(
        TrainingJobName=name, RoleArn=session.role_arn,
        AlgorithmSpecification={"TrainingImage": "local/training:latest", "TrainingInputMode": "File"},
        HyperParameters={"sagemaker_program": "train.py",
                         "sagemaker_submit_directory": f"s3://{session.bucket}/{prefix}/code/source.tar.gz"},
        InputDataConfig=[{"ChannelName": "train", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": f"s3://{session.bucket}/{prefix}/train/"}}}],
        OutputDataConfig={"S3OutputPath": f"s3://{session.bucket}/{prefix}/output"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        StoppingCondition={"MaxRuntimeInSeconds": 300}, Environment={"SLEEP": str(sleep)},
        Tags=scope.tag_list if tags is None else tags)
    if vpc:
        kwargs["VpcConfig"] = vpc
    sm.create_training_job(**kwargs)
    return name


# -- the event ------------------------------------------------------------------------------
def test_event_has_cloudtrail_shape():
    request = {"TrainingJobName": "j1", "HyperParameters": {"Learning_Rate": "0.1"},
               "VpcConfig": {"Subnets": ["subnet-1"], "SecurityGroupIds": ["sg-1"]},
               "Tags": [{"Key": "project", "Value": "p"}]}
    event = ct.build_event("sagemaker", "CreateTrainingJob", "us-east-1", "123456789012", request,
                           {"TrainingJobArn": "arn:x"}, access_key="AKIA1")
    assert event["source"] == "aws.sagemaker" and event["detail-type"] == "AWS API Call via CloudTrail"
    detail = event["detail"]
    assert detail["eventSource"] == "sagemaker.amazonaws.com" and detail["eventName"] == "CreateTrainingJob"
    params = detail["requestParameters"]
    # structure members in lowerCamelCase, map keys (hyperparameters) as they were
    assert params["trainingJobName"] == "j1"
    assert params["hyperParameters"] == {"Learning_Rate": "0.1"}
    assert params["vpcConfig"] == {"subnets": ["subnet-1"], "securityGroupIds": ["sg-1"]}
    assert params["tags"] == [{"key": "project", "value": "p"}]
    assert detail["responseElements"] == {"trainingJobArn": "arn:x"}
    assert detail["userIdentity"]["accessKeyId"] == "AKIA1" and detail["readOnly"] is False


def test_rule_pattern_matches_only_checked_creates():
    pattern = json.dumps(corrective.event_pattern())

    def event(name, **detail):
        e = ct.build_event("sagemaker", name, "us-east-1", "123456789012", {}, {})
        e["detail"].update(detail)
        return e

    assert ct.matches(pattern, event("CreateNotebookInstance"))
    assert ct.matches(pattern, event("CreateTrainingJob"))
    assert not ct.matches(pattern, event("CreateEndpoint"))
    assert not ct.matches(pattern, event("CreateTrainingJob", errorCode="AccessDenied"))
    assert not ct.matches(None, event("CreateTrainingJob"))  # scheduled rules match no event


# -- notebook instances -----------------------------------------------------------------------
def test_noncompliant_notebook_is_stopped_and_compliant_left_running(session, control, unique):
    scope, ctl = control
    since = corrective.timestamp()
    bad, good = f"ctl-open-{unique}", f"ctl-private-{unique}"
    lifecycle.create_notebook_instance(session, scope, bad, role_arn=session.role_arn, root_access="Enabled",
                                       direct_internet="Enabled")
    lifecycle.create_notebook_instance(session, scope, good, role_arn=session.role_arn, subnet_id="subnet-aaa",
                                       security_group_ids=["sg-1"])
    decided = corrective.wait_for_decisions(session, ctl, [bad, good], since=since, timeout=60)
    assert decided[bad]["action"] == "stopped"
    assert decided[bad]["reasons"] == ["no VPC attachment (the resource can reach the internet directly)"]
    assert decided[bad]["eventName"] == "CreateNotebookInstance" and decided[bad]["resourceType"] == "notebook-instance"
    assert decided[good]["action"] == "none"
    sm = session.client("sagemaker")
    assert sm.describe_notebook_instance(NotebookInstanceName=bad)["NotebookInstanceStatus"] == "Stopped"
    assert sm.describe_notebook_instance(NotebookInstanceName=good)["NotebookInstanceStatus"] == "InService"
    # what the function printed is in its CloudWatch log
    wait_for(lambda: any(bad in line for line in corrective.function_log(session, ctl, contains='"action"')), 20)


def test_subnet_outside_the_project_is_stopped(session, control, unique):
    scope, ctl = control
    since = corrective.timestamp()
    name = f"ctl-elsewhere-{unique}"
    lifecycle.create_notebook_instance(session, scope, name, role_arn=session.role_arn, subnet_id="subnet-zzz",
                                       security_group_ids=["sg-1"])
    d = corrective.wait_for_decisions(session, ctl, [name], since=since, timeout=60)[name]
    assert d["action"] == "stopped" and d["reasons"] == ["subnets outside the project VPC: subnet-zzz"]


def test_resources_of_other_projects_are_ignored(session, control, unique):
    _, ctl = control
    other = make_scope(session, "someone-else")
    since = corrective.timestamp()
    name = f"ctl-other-{unique}"
    lifecycle.create_notebook_instance(session, other, name, role_arn=session.role_arn, direct_internet="Enabled")
    d = corrective.wait_for_decisions(session, ctl, [name], since=since, timeout=60)[name]
    assert d["action"] == "ignored" and d["reasons"] == ["not tagged project=ctl-tests"]
    status = session.client("sagemaker").describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceStatus"]
    assert status == "InService"


# -- training jobs ----------------------------------------------------------------------------
def test_noncompliant_training_job_is_stopped_while_it_runs(session, control, unique):
    scope, ctl = control
    since = corrective.timestamp()
    bad = _training_job(session, scope, f"ctl-open-{unique}")
    good = _training_job(session, scope, f"ctl-vpc-{unique}", sleep=0,
                         vpc={"Subnets": ["subnet-aaa"], "SecurityGroupIds": ["sg-1"]})
    decided = corrective.wait_for_decisions(session, ctl, [bad, good], since=since, timeout=60)
    assert decided[bad]["action"] == "stopped" and decided[good]["action"] == "none"
    assert corrective.settled_status(session, "training-job", bad, timeout=30) == "Stopped"
    assert corrective.settled_status(session, "training-job", good, timeout=60) in ("InProgress", "Completed")
    wait_for(lambda: session.client("sagemaker").describe_training_job(TrainingJobName=good)["TrainingJobStatus"]
             == "Completed", 60)


def test_stop_training_job_states(session, control, unique):
    """StopTrainingJob as SageMaker answers it: before the script starts, on a finished job, on no job."""
    scope, _ = control
    sm = session.client("sagemaker")
    name = _training_job(session, scope, f"ctl-early-{unique}", tags=[])  # untagged: the control ignores it
    sm.stop_training_job(TrainingJobName=name)  # may land while the channels download
    wait_for(lambda: sm.describe_training_job(TrainingJobName=name)["TrainingJobStatus"] == "Stopped", 30)
    with pytest.raises(ClientError) as err:
        sm.stop_training_job(TrainingJobName=name)
    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert "in status Stopped" in err.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as err:
        sm.stop_training_job(TrainingJobName=f"no-such-job-{unique}")
    assert err.value.response["Error"]["Code"] == "ValidationException"
    # and once the script runs: the process is killed, the job ends Stopped (not Failed)
    running = _training_job(session, scope, f"ctl-running-{unique}", tags=[])
    wait_for(lambda: running in session.runtime.sagemaker._jobs, 30)
    sm.stop_training_job(TrainingJobName=running)
    wait_for(lambda: sm.describe_training_job(TrainingJobName=running)["TrainingJobStatus"] in ("Stopped", "Failed"), 30)
    desc = sm.describe_training_job(TrainingJobName=running)
    assert desc["TrainingJobStatus"] == "Stopped" and "FailureReason" not in desc


# -- the EventBridge stand-in -------------------------------------------------------------------
def test_disabled_rules_and_other_targets(session, unique):
    """A disabled rule gets nothing; an SQS target gets the event (or the InputPath part of it)."""
    events, sqs = session.client("events"), session.client("sqs")
    url = sqs.create_queue(QueueName=f"ct-{unique}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    pattern = json.dumps({"source": ["aws.sagemaker"], "detail": {
        "eventName": ["CreateExperiment"], "requestParameters": {"experimentName": [{"prefix": f"ct-{unique}"}]}}})
    events.put_rule(Name=f"ct-on-{unique}", EventPattern=pattern)
    events.put_targets(Rule=f"ct-on-{unique}", Targets=[{"Id": "q", "Arn": arn, "InputPath": "$.detail"}])
    events.put_rule(Name=f"ct-off-{unique}", EventPattern=pattern, State="DISABLED")
    fn = make_function(session, f"ct-off-{unique}", "def handler(e, c):\n    raise SystemExit('must not run')\n")
    events.put_targets(Rule=f"ct-off-{unique}", Targets=[{"Id": "f", "Arn": fn}])
    session.client("sagemaker").create_experiment(ExperimentName=f"ct-{unique}-exp")
    assert session.runtime.events.wait_idle(30)
    got = wait_for(lambda: read_queue(session, url), 10)
    assert [m["eventName"] for m in got] == ["CreateExperiment"]
    assert got[0]["requestParameters"]["experimentName"] == f"ct-{unique}-exp"
    assert not [d for d in session.runtime.events.deliveries if d["rule"] == f"ct-off-{unique}"]


def test_function_errors_are_retried_twice(session, unique):
    events = session.client("events")
    rt_events = session.runtime.events
    saved = rt_events.retry_delays
    rt_events.retry_delays = (0.05, 0.05)
    try:
        fn = make_function(session, f"ct-fail-{unique}", "def handler(e, c):\n    raise ValueError('no')\n")
        pattern = json.dumps({"source": ["aws.sagemaker"], "detail": {
            "requestParameters": {"experimentName": [f"ct-fail-{unique}"]}}})
        events.put_rule(Name=f"ct-fail-{unique}", EventPattern=pattern)
        events.put_targets(Rule=f"ct-fail-{unique}", Targets=[{"Id": "f", "Arn": fn}])
        session.client("sagemaker").create_experiment(ExperimentName=f"ct-fail-{unique}")
        assert rt_events.wait_idle(30)
    finally:
        rt_events.retry_delays = saved
    mine = [d for d in rt_events.deliveries if d["rule"] == f"ct-fail-{unique}"]
    assert len(mine) == 1 and mine[0]["attempts"] == 3 and mine[0]["status"] == "function error"
    assert "ValueError" in mine[0]["error"]


def test_failed_creates_emit_nothing(session, unique):
    before = len(session.runtime.events.deliveries)
    sm = session.client("sagemaker")
    with pytest.raises(ClientError):
        sm.create_notebook_instance(NotebookInstanceName=f"bad-{unique}", InstanceType="ml.not.a.type",
                                    RoleArn=session.role_arn)
    assert session.runtime.events.wait_idle(10)
    assert len(session.runtime.events.deliveries) == before


# -- the function's AWS-only paths (a notebook instance still starting), with stubbed clients ------------
def _function_module(monkeypatch):
    """The function's module as Lambda loads it (its clients are created at import: give them a region)."""
    import importlib.util

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")

    spec = importlib.util.spec_from_file_location("stop_noncompliant_under_test", corrective.FUNCTION_SOURCE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Context:
    def __init__(self, remaining_ms: int) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def _notebook_event(name: str) -> dict:
    e = ct.build_event("sagemaker", "CreateNotebookInstance", "us-east-1", "123456789012",
                       {"NotebookInstanceName": name, "InstanceType": "ml.t3.medium", "RoleArn": "arn:r"}, {})
    return e


@pytest.mark.parametrize("remaining_ms, expected", [(600_000, "stopped"), (10_000, "retry")])
def test_function_waits_for_a_starting_notebook(monkeypatch, remaining_ms, expected):
    import boto3
    from botocore.stub import Stubber

    mod = _function_module(monkeypatch)
    sm = boto3.client("sagemaker", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    stub = Stubber(sm)
    arn = "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb-starting"
    pending = {"NotebookInstanceArn": arn, "NotebookInstanceName": "nb-starting", "NotebookInstanceStatus": "Pending"}
    stub.add_response("describe_notebook_instance", pending, {"NotebookInstanceName": "nb-starting"})
    if expected == "stopped":
        stub.add_response("describe_notebook_instance", {**pending, "NotebookInstanceStatus": "InService"},
                          {"NotebookInstanceName": "nb-starting"})
        stub.add_response("stop_notebook_instance", {}, {"NotebookInstanceName": "nb-starting"})
    monkeypatch.setattr(mod, "sagemaker", sm)
    monkeypatch.setattr(mod.time, "sleep", lambda s: None)
    for var in ("SCOPE_TAG", "REMEDIATION_TABLE", "ALLOWED_SUBNETS"):
        monkeypatch.delenv(var, raising=False)
    with stub:
        if expected == "stopped":
            result = mod.handler(_notebook_event("nb-starting"), _Context(remaining_ms))
            assert result["action"] == "stopped" and result["status"] == "Stopping"
        else:  # too little time left: fail, so that Lambda retries the asynchronous invocation later
            with pytest.raises(TimeoutError, match="still Pending"):
                mod.handler(_notebook_event("nb-starting"), _Context(remaining_ms))
        stub.assert_no_pending_responses()


def test_function_ignores_other_events(monkeypatch):
    mod = _function_module(monkeypatch)
    event = ct.build_event("sagemaker", "CreateEndpoint", "us-east-1", "123456789012", {"EndpointName": "e"}, {})
    assert mod.handler(event, _Context(1000))["action"] == "ignored"
