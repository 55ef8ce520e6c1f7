"""Labs 03-04's footprint for the cleanup rehearsal: a training job, and an endpoint serving a tiny model."""
from __future__ import annotations

import json
import time

from helpers.archive import tar_gz
from helpers.resources.footprint import Footprint
from labs.summarizer import deploy

INFERENCE = '''
import json, os
def model_fn(model_dir):
    return json.load(open(os.path.join(model_dir, "model.json")))
def input_fn(body, content_type):
    return json.loads(body)
def predict_fn(data, model):
    return {"title": " ".join(str(data.get("inputs", "")).split()[:model["words"]])}
def output_fn(prediction, accept):
    return json.dumps(prediction), "application/json"
'''
TRAIN = '''
import json, os
rows = open(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "train.csv")).read().splitlines()
print(f"epoch=1; train_loss={1.0 / max(len(rows), 1):.3f};", flush=True)
json.dump({"words": 4, "rows": len(rows)}, open(os.path.join(os.environ["SM_MODEL_DIR"], "model.json"), "w"))
'''

def training_job(session, event: str, fp: Footprint) -> None:
    """Lab 03: a tiny script-mode training job (the lab's `ModelTrainer` would train a real model)."""
    s3, sm = session.client("s3"), session.client("sagemaker")
    prefix = f"workshop/cleanup-rehearsal/{event}"
    s3.put_object(Bucket=session.bucket, Key=f"{prefix}/train/train.csv", Body=b"review,title\na,b\nc,d\n")
    s3.put_object(Bucket=session.bucket, Key=f"{prefix}/code/source.tar.gz", Body=tar_gz({"train.py": TRAIN}))
    job = f"{event}-summarizer-tiny"
    try:
        sm.describe_training_job(TrainingJobName=job)
        exists = True
    except sm.exceptions.ClientError:
        exists = False
    if not exists:
        sm.create_training_job(
            TrainingJobName=job, RoleArn=session.role_arn, Tags=session.tag_list,
            AlgorithmSpecification={"TrainingImage": deploy.HF_TRAINING_IMAGE.format(region=session.region),
                                    "TrainingInputMode": "File"},
            HyperParameters={"sagemaker_program": "train.py",
                             "sagemaker_submit_directory": f"s3://{session.bucket}/{prefix}/code/source.tar.gz"},
            InputDataConfig=[{"ChannelName": "train", "DataSource": {"S3DataSource": {
                "S3DataType": "S3Prefix", "S3Uri": f"s3://{session.bucket}/{prefix}/train/"}}}],
            OutputDataConfig={"S3OutputPath": f"s3://{session.bucket}/{prefix}/output"},
            ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
            StoppingCondition={"MaxRuntimeInSeconds": 300})
    deadline = time.time() + 120
    while sm.describe_training_job(TrainingJobName=job)["TrainingJobStatus"] in ("InProgress", "Stopping"):
        if time.time() > deadline:
            break
        time.sleep(0.5)
    fp.made["training_job"] = job
    fp.add("03", f"training job {job} (a tiny script, not the summarizer)", "boto3 CreateTrainingJob")


def endpoint(session, event: str, fp: Footprint) -> None:
    """Lab 04: model, endpoint config and endpoint serving a tiny artifact with an `inference.py`."""
    s3 = session.client("s3")
    prefix = f"workshop/cleanup-rehearsal/{event}"
    key = f"{prefix}/model/model.tar.gz"
    s3.put_object(Bucket=session.bucket, Key=key, Body=tar_gz({
        "model.json": json.dumps({"words": 4}), "code/inference.py": INFERENCE}))
    name = f"{event}-summarizer"
    deploy.deploy(session, name, f"s3://{session.bucket}/{key}", instance_type="ml.m5.large", wait=True)
    fp.add("04", f"model, endpoint config and endpoint {name} (a tiny artifact)", "deploy.deploy")
