"""Local mode: recreate a representative footprint of the labs, so the cleanup has work to do.

Each notebook runs in a fresh kernel with its own embedded runtime, so the
cleanup notebook alone in local mode starts from an empty account. Rather
than pretend, it first builds what the labs build, **with the labs' own
helpers** wherever they exist:

| Lab | What | How |
|---|---|---|
| 01 | admin role, racer group, permission set + assignment, event config, budget, alarm | `identity.setup_event_identity`, `event.save_config`, `spend.ensure_budget`, `spend.ensure_spend_alarm` |
| 02 | registration stack (tables + stream, queue, role, 2 functions, mapping, HTTP API) and two registered racers (identity-store users and memberships) | `registration.lab.prepare`, `roster.register_via_api`, `stack.wait_until_processed` |
| 03 | a (tiny) training job | boto3 `CreateTrainingJob` in script mode (the lab's `ModelTrainer` would train a real model) |
| 04 | model, endpoint config, endpoint (a tiny artifact with an `inference.py`) | `deploy.deploy` |
| 05 | ECR repository, container-image function, HTTP API | `image_function.deploy_local` |
| 06 | the secure project: VPC, private subnets, route table, security groups, VPC endpoints, KMS key, versioned encrypted buckets (one with a VPC-endpoint-only policy), data-scientist role + customer policies, lifecycle config, corrective control (EventBridge rule -> function -> table); object versions and a delete marker; experiment, trial and trial component; a notebook instance | `secure.project.provision`, `secure.lineage.upload_dataset`/`record_run`, `secure.lifecycle.create_notebook_instance` |
| 06 | a Studio domain in the project's VPC (the lab uses notebook instances; the cleanup handles domains too) | boto3 `CreateDomain` |
"""
from __future__ import annotations

import io
import json
import tarfile
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import deploy, event as event_state, identity, image_function, spend
from .registration import lab as registration_lab
from .registration import roster
from .registration.stack import wait_until_processed
from .tagging import workshop_tags

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
IMAGE_APP = '''
import json
def handler(event, context):
    body = json.loads(event.get("body") or "{}")
    return {"statusCode": 200, "body": json.dumps({"answer": body.get("question", "")[:20]})}
'''
RACERS = (("ada.lovelace@example.com", "ada-l"), ("alan.turing@example.com", "enigma-7"))


@dataclass
class Footprint:
    event: str
    rows: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, lab: str, what: str, how: str) -> None:
        self.rows.append({"lab": lab, "created": what, "with": how})

    def table(self):
        from .report import table

        return table(self.rows, columns=["lab", "created", "with"])


def tar_gz(files: dict[str, str]) -> bytes:
    """A model.tar.gz / source.tar.gz of text files, byte-for-byte the same for the same files (a fixed
    mtime), so a re-uploaded archive does not look like new code or a new model."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1_700_000_000
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def recreate(session, event: str, *, racers: tuple[tuple[str, str], ...] = RACERS) -> Footprint:
    """Build the labs' footprint for `event` in the local runtime (idempotent where the labs' helpers are)."""
    if not getattr(session, "local", False):
        raise RuntimeError("recreate() is for local mode: in aws mode the cleanup works on what the labs "
                           "really created, and recreating it would cost money")
    if session.tags != workshop_tags(event):
        session = replace(session, tags=workshop_tags(event))  # everything carries this event's tags
    started = time.time()
    fp = Footprint(event)
    _event_setup(session, event, fp)
    _registration(session, event, fp, racers)
    _model_labs(session, event, fp)
    _image_function(session, event, fp)
    _secure_environment(session, event, fp)
    fp.seconds = round(time.time() - started, 1)
    return fp


def _event_setup(session, event: str, fp: Footprint) -> None:
    identity.setup_event_identity(session, event)
    fp.add("01", f"admin role {event}-admin, group {event}-racers, permission set {event}-racer + assignment",
           "identity.setup_event_identity")
    event_state.save_config(session, event_state.EventConfig(
        name=event, display_name=f"{event} (cleanup rehearsal)", racers_expected=50, quota_hours_per_racer=5,
        budget_usd=500, allowed_domains="example.com"))
    fp.add("01", f"tables {event}-event and {event}-racers, event configuration", "event.save_config")
    spend.ensure_budget(session, event, 500, ["deepracer-admins@example.com"])
    spend.ensure_spend_alarm(session, event, 500)
    fp.add("01", f"budget {spend.budget_name(event)}, alarm {spend.alarm_name(event)}",
           "spend.ensure_budget, spend.ensure_spend_alarm")


def _registration(session, event: str, fp: Footprint, racers) -> None:
    reg = registration_lab.prepare(session, event, display_name=f"{event} (cleanup rehearsal)",
                                   allowed_domains="example.com")
    fp.add("02", "registration stack: queue, role, 2 functions, event source mapping, HTTP API",
           "registration.lab.prepare")
    for email, alias in racers:
        roster.register_via_api(reg.stack, email, alias)
    wait_until_processed(session, reg.stack, timeout=60)
    fp.add("02", f"{len(racers)} racers registered: identity-store users + group memberships",
           "roster.register_via_api")


def _model_labs(session, event: str, fp: Footprint) -> None:
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
    fp.add("03", f"training job {job} (a tiny script, not the summarizer)", "boto3 CreateTrainingJob")
    key = f"{prefix}/model/model.tar.gz"
    s3.put_object(Bucket=session.bucket, Key=key, Body=tar_gz({
        "model.json": json.dumps({"words": 4}), "code/inference.py": INFERENCE}))
    name = f"{event}-summarizer"
    deploy.deploy(session, name, f"s3://{session.bucket}/{key}", instance_type="ml.m5.large", wait=True)
    fp.add("04", f"model, endpoint config and endpoint {name} (a tiny artifact)", "deploy.deploy")


def _image_function(session, event: str, fp: Footprint) -> None:
    staged = Path(tempfile.mkdtemp(prefix="cleanup-image-"))
    (staged / "app.py").write_text(IMAGE_APP)
    service = image_function.deploy_local(session, name=f"{event}-qa", staged=staged, memory=512, timeout=30)
    fp.add("05", f"ECR repository, image function and HTTP API {service.function}", "image_function.deploy_local")


def secure_project_name(event: str) -> str:
    """Lab 06's project name for an event: the event name when it fits the project rules (3-20 characters)."""
    import hashlib
    import re

    if re.match(r"^[a-z][a-z0-9-]{1,18}[a-z0-9]$", event):
        return event
    return "p" + hashlib.sha256(event.encode()).hexdigest()[:10]


def _secure_environment(session, event: str, fp: Footprint) -> None:
    """Lab 06's environment through its own helpers (`helpers.secure`), plus what the lab adds by hand."""
    from .secure import lifecycle, lineage
    from .secure import project as secure_project

    sm, s3 = session.client("sagemaker"), session.client("s3")
    project = secure_project.provision(session, secure_project_name(event))
    scope = project.scope
    how = "secure.project.provision"
    fp.add("06", f"project {project.project}: VPC, {len(project.subnet_ids)} private subnets, route table, "
           f"2 security groups, {len(project.endpoints)} VPC endpoints", how)
    fp.add("06", "KMS key, versioned encrypted buckets (one VPC-endpoint-only)", how)
    fp.add("06", f"data-scientist role + {len(project.policy_arns)} customer policies, lifecycle config, experiment",
           how)
    fp.add("06", "corrective control: EventBridge rule -> function (+ role) -> remediation table", how)

    key = secure_project.key_of(project)
    data = None
    for i in range(3):
        data = lineage.upload_dataset(session, project.bucket, "data/reviews.csv",
                                      f"review,label\nversion {i},1\n".encode(), key)
    lineage.upload_dataset(session, project.bucket, "data/scratch.csv", b"a\n", key)
    s3.delete_object(Bucket=project.bucket, Key="data/scratch.csv")  # leaves a delete marker
    fp.add("06", "4 object versions and a delete marker in the project bucket", "secure.lineage.upload_dataset")

    job = sm.describe_training_job(TrainingJobName=f"{event}-summarizer-tiny")
    run = lineage.record_run(session, scope, project.experiment, job=job, data=data, hyperparameters={"epochs": 1})
    acct, region = session.account_id, session.region
    for kind, name in (("experiment", project.experiment), ("experiment-trial", run["trial"]),
                       ("experiment-trial-component", run["trial component"])):
        # AWS keeps the tags given at creation; moto 5.2 drops them, so they are added again (harmless on AWS).
        sm.add_tags(ResourceArn=f"arn:aws:sagemaker:{region}:{acct}:{kind}/{name}", Tags=scope.tag_list)
    fp.add("06", "a trial and trial component recording the training job's lineage", "secure.lineage.record_run")

    notebook = f"{project.project}-{project.environment}-notebook"
    lifecycle.create_notebook_instance(
        session, scope, notebook, role_arn=project.data_scientist_role_arn, subnet_id=project.subnet_ids[0],
        security_group_ids=[project.workload_security_group], kms_key_id=project.kms_key_id,
        lifecycle_config=project.lifecycle_config)
    fp.add("06", f"notebook instance {notebook} with lifecycle config {project.lifecycle_config}",
           "secure.lifecycle.create_notebook_instance")

    domains = {d["DomainName"] for d in sm.list_domains().get("Domains", [])}
    if f"{event}-studio" not in domains:
        sm.create_domain(DomainName=f"{event}-studio", AuthMode="IAM", VpcId=project.vpc_id,
                         SubnetIds=project.subnet_ids, AppNetworkAccessType="VpcOnly", KmsKeyId=project.kms_key_id,
                         DefaultUserSettings={"ExecutionRole": project.data_scientist_role_arn,
                                              "SecurityGroups": [project.workload_security_group]},
                         Tags=scope.tag_list)
    fp.add("06", f"Studio domain {event}-studio (VPC only)", "boto3 (sagemaker)")
