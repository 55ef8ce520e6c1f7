"""SageMaker training jobs really train; endpoints really answer."""
from __future__ import annotations

import io
import json
import tarfile

import pytest
from botocore.exceptions import ClientError

from tests.support import wait_for, tar_gz

TRAIN = '''
import argparse, json, os, sys
p = argparse.ArgumentParser()
p.add_argument("--epochs", type=int, required=True)
p.add_argument("--fail", default="no")
a = p.parse_args()
rows = open(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "data.csv")).read().splitlines()
for e in range(a.epochs):
    print(f"epoch={e + 1}; train_loss={1.0 / (e + 1):.3f};", flush=True)
if a.fail == "yes":
    raise SystemExit("bad hyperparameter: fail=yes")
json.dump({"rows": len(rows), "hps": json.loads(os.environ["SM_HPS"])},
          open(os.path.join(os.environ["SM_MODEL_DIR"], "model.json"), "w"))
'''

INFERENCE = '''
import json, os
class BadRequest(ValueError):
    status = 400
def model_fn(model_dir):
    if os.environ.get("BREAK_LOADING"):
        raise RuntimeError("weights are corrupt")
    return json.load(open(os.path.join(model_dir, "model.json")))
def input_fn(body, content_type):
    if content_type != "application/json":
        e = BadRequest("send JSON"); e.status = 415; raise e
    data = json.loads(body)
    if "inputs" not in data:
        raise BadRequest("missing 'inputs'")
    return data
def predict_fn(data, model):
    return {"echo": data["inputs"], "rows": model["rows"]}
def output_fn(prediction, accept):
    return json.dumps(prediction), "application/json"
'''




def _job(session, unique, hps, metrics=True, code=TRAIN):
    s3, sm = session.client("s3"), session.client("sagemaker")
    prefix = f"jobs/{unique}"
    s3.put_object(Bucket=session.bucket, Key=f"{prefix}/train/data.csv", Body=b"a\nb\nc\n")
    s3.put_object(Bucket=session.bucket, Key=f"{prefix}/code/source.tar.gz", Body=tar_gz({"train.py": code}))
    name = f"job-{unique}"
    sm.create_training_job(
        TrainingJobName=name, RoleArn=session.role_arn,
        AlgorithmSpecification={"TrainingImage": "local/training:latest", "TrainingInputMode": "File",
                                "MetricDefinitions": [{"Name": "train:loss", "Regex": r"train_loss=([0-9.]+);"}]
                                if metrics else []},
        HyperParameters={**hps, "sagemaker_program": "train.py",
                         "sagemaker_submit_directory": f"s3://{session.bucket}/{prefix}/code/source.tar.gz"},
        InputDataConfig=[{"ChannelName": "train", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": f"s3://{session.bucket}/{prefix}/train/"}}}],
        OutputDataConfig={"S3OutputPath": f"s3://{session.bucket}/{prefix}/output"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        StoppingCondition={"MaxRuntimeInSeconds": 120})
    return name


def _wait_job(session, name):
    sm = session.client("sagemaker")
    return wait_for(lambda: (d := sm.describe_training_job(TrainingJobName=name))["TrainingJobStatus"]
                    in ("Completed", "Failed", "Stopped") and d, timeout=60)


def test_training_job_runs_the_script_and_uploads_the_model(session, unique):
    name = _job(session, unique, {"epochs": "3"})
    d = _wait_job(session, name)
    assert d["TrainingJobStatus"] == "Completed"
    assert [t["Status"] for t in d["SecondaryStatusTransitions"]][-1] == "Completed"
    assert {m["MetricName"]: m["Value"] for m in d["FinalMetricDataList"]} == {"train:loss": pytest.approx(0.333)}
    uri = d["ModelArtifacts"]["S3ModelArtifacts"]
    bucket, key = uri[5:].split("/", 1)
    body = session.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body)) as tf:
        model = json.load(tf.extractfile("model.json"))
    assert model == {"rows": 3, "hps": {"epochs": 3}}
    events = session.client("logs").filter_log_events(logGroupName="/aws/sagemaker/TrainingJobs",
                                                      logStreamNamePrefix=name)["events"]
    assert any("epoch=3" in e["message"] for e in events)


def test_an_identical_job_reuses_the_trained_model(session, unique):
    first = _wait_job(session, _job(session, unique, {"epochs": "2"}))
    second_name = _job(session, unique + "b", {"epochs": "2"})
    second = _wait_job(session, second_name)
    assert first["TrainingJobStatus"] == second["TrainingJobStatus"] == "Completed"
    events = session.client("logs").filter_log_events(logGroupName="/aws/sagemaker/TrainingJobs",
                                                      logStreamNamePrefix=second_name)["events"]
    assert any("Reusing the model trained earlier" in e["message"] for e in events)
    assert second["FinalMetricDataList"][0]["Value"] == pytest.approx(0.5)


def test_a_failing_script_fails_the_job_with_the_reason(session, unique):
    name = _job(session, unique, {"epochs": "1", "fail": "yes"})
    d = _wait_job(session, name)
    assert d["TrainingJobStatus"] == "Failed"
    assert "bad hyperparameter: fail=yes" in d["FailureReason"] and "exit code: 1" in d["FailureReason"]


def test_a_missing_channel_fails_the_job_clearly(session, unique):
    sm = session.client("sagemaker")
    name = f"nodata-{unique}"
    sm.create_training_job(
        TrainingJobName=name, RoleArn=session.role_arn,
        AlgorithmSpecification={"TrainingImage": "local/training:latest", "TrainingInputMode": "File"},
        HyperParameters={"sagemaker_program": "train.py", "sagemaker_submit_directory": "s3://nowhere/x.tar.gz"},
        InputDataConfig=[{"ChannelName": "train", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": f"s3://{session.bucket}/empty-{unique}/"}}}],
        OutputDataConfig={"S3OutputPath": f"s3://{session.bucket}/out"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        StoppingCondition={"MaxRuntimeInSeconds": 60})
    d = _wait_job(session, name)
    assert d["TrainingJobStatus"] == "Failed" and "no data under" in d["FailureReason"]


@pytest.fixture
def model_data(session, unique):
    key = f"models/{unique}/model.tar.gz"
    session.client("s3").put_object(Bucket=session.bucket, Key=key, Body=tar_gz({
        "model.json": json.dumps({"rows": 7}), "code/inference.py": INFERENCE}))
    return f"s3://{session.bucket}/{key}"


def _endpoint(session, unique, model_data, env=None):
    sm = session.client("sagemaker")
    sm.create_model(ModelName=f"m-{unique}", ExecutionRoleArn=session.role_arn,
                    PrimaryContainer={"Image": "local/inference:latest", "ModelDataUrl": model_data,
                                      "Environment": env or {}})
    sm.create_endpoint_config(EndpointConfigName=f"c-{unique}", ProductionVariants=[{
        "VariantName": "AllTraffic", "ModelName": f"m-{unique}", "InitialInstanceCount": 1,
        "InstanceType": "ml.m5.large"}])
    sm.create_endpoint(EndpointName=f"e-{unique}", EndpointConfigName=f"c-{unique}")
    return wait_for(lambda: (d := sm.describe_endpoint(EndpointName=f"e-{unique}"))["EndpointStatus"]
                    in ("InService", "Failed") and d, timeout=60)


def test_endpoint_serves_the_inference_script(session, unique, model_data):
    assert _endpoint(session, unique, model_data)["EndpointStatus"] == "InService"
    rt = session.client("sagemaker-runtime")
    out = rt.invoke_endpoint(EndpointName=f"e-{unique}", ContentType="application/json",
                             Body=json.dumps({"inputs": "hello"}))
    assert json.loads(out["Body"].read()) == {"echo": "hello", "rows": 7}


def test_bad_requests_come_back_as_model_errors(session, unique, model_data):
    _endpoint(session, unique, model_data)
    rt = session.client("sagemaker-runtime")
    with pytest.raises(ClientError) as exc:
        rt.invoke_endpoint(EndpointName=f"e-{unique}", ContentType="application/json", Body=b'{"x": 1}')
    err = exc.value.response
    assert err["Error"]["Code"] == "ModelError" and err["OriginalStatusCode"] == 400
    assert "missing 'inputs'" in err["OriginalMessage"]
    with pytest.raises(ClientError) as exc:
        rt.invoke_endpoint(EndpointName=f"e-{unique}", ContentType="text/csv", Body=b"a,b")
    assert exc.value.response["OriginalStatusCode"] == 415


def test_a_model_that_cannot_load_fails_the_endpoint(session, unique, model_data):
    d = _endpoint(session, unique, model_data, env={"BREAK_LOADING": "1"})
    assert d["EndpointStatus"] == "Failed" and "weights are corrupt" in d["FailureReason"]
