"""Traceability: which data, code and parameters made which model.

The project bucket is versioned, so "the training data" is not a path but a path *and* a
version id: uploading `train.csv` again makes a new version and leaves the old one readable.
Each training run is recorded as a SageMaker Experiments trial whose trial component names the
data version (S3 version id and SHA-256), the job, its hyperparameters and its output model.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone

from botocore.exceptions import ClientError

from labs.secure_environment.encryption import Key, put_encrypted
from labs.secure_environment.project import Scope


@dataclass
class DataVersion:
    uri: str
    version_id: str
    sha256: str
    rows: int

    @property
    def versioned_uri(self) -> str:
        return f"{self.uri}?versionId={self.version_id}"


def upload_dataset(session, bucket: str, key: str, body: bytes, kms: Key) -> DataVersion:
    """Store a dataset in the versioned, encrypted bucket; its version id is the data version."""
    stored = put_encrypted(session, bucket, key, body, kms)
    return DataVersion(uri=stored["uri"], version_id=stored["version_id"], sha256=hashlib.sha256(body).hexdigest(),
                       rows=max(0, body.count(b"\n") - 1))


def versions(session, bucket: str, key: str) -> list[dict]:
    """Every stored version of one object, newest first."""
    out = session.client("s3").list_object_versions(Bucket=bucket, Prefix=key).get("Versions", [])
    return [{"version id": v["VersionId"], "latest": v["IsLatest"], "size": v["Size"],
             "stored": v["LastModified"]} for v in out if v["Key"] == key]


def ensure_experiment(session, scope: Scope) -> str:
    sm = session.client("sagemaker")
    name = scope.name("experiments")
    known = {e["ExperimentName"]: e["ExperimentArn"] for page in sm.get_paginator("list_experiments").paginate()
             for e in page.get("ExperimentSummaries", [])}
    arn = known.get(name) or sm.create_experiment(
        ExperimentName=name, Description=f"Training runs of project {scope.project}", Tags=scope.tag_list)["ExperimentArn"]
    _ensure_tags(sm, arn, scope)
    return name


def _ensure_tags(sm, arn: str, scope: Scope) -> None:
    """The create calls take tags; the local emulator drops them for experiments, trials and
    components, so add whatever is missing afterwards (a no-op on AWS)."""
    have = {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=arn).get("Tags", [])}
    missing = [{"Key": k, "Value": v} for k, v in scope.tags.items() if have.get(k) != v]
    if missing:
        sm.add_tags(ResourceArn=arn, Tags=missing)


def record_run(session, scope: Scope, experiment: str, *, job: dict, data: DataVersion,
               hyperparameters: dict) -> dict:
    """A trial for the training job, with a trial component that pins its inputs and output.

    `job` is the job's DescribeTrainingJob answer. On AWS, SageMaker also keeps its own trial
    component for the job (`<job>-aws-training-job`); it is associated with the trial too."""
    sm = session.client("sagemaker")
    job_name = job["TrainingJobName"]
    trial = f"{job_name}"[:120]
    try:
        _ensure_tags(sm, sm.create_trial(TrialName=trial, ExperimentName=experiment,
                                         Tags=scope.tag_list)["TrialArn"], scope)
    except ClientError as exc:
        if "already exists" not in str(exc) and exc.response["Error"]["Code"] != "ResourceInUse":
            raise
    component = f"{job_name}-lineage"[:120]
    params = {"data_version": {"StringValue": data.version_id}, "data_sha256": {"StringValue": data.sha256},
              "data_rows": {"NumberValue": float(data.rows)}, "training_job": {"StringValue": job_name},
              "project": {"StringValue": scope.project}, "environment": {"StringValue": scope.environment}}
    for k, v in hyperparameters.items():
        params[f"hp_{k}"] = {"NumberValue": float(v)} if isinstance(v, (int, float)) else {"StringValue": str(v)}
    now = datetime.now(timezone.utc)
    kwargs = dict(TrialComponentName=component, DisplayName=f"{job_name} inputs and output",
                  Status={"PrimaryStatus": "Completed" if job["TrainingJobStatus"] == "Completed" else "Failed"},
                  StartTime=job.get("TrainingStartTime") or now, EndTime=job.get("TrainingEndTime") or now,
                  Parameters=params,
                  InputArtifacts={"training-data": {"Value": data.versioned_uri, "MediaType": "text/csv"}},
                  OutputArtifacts={"model": {"Value": job.get("ModelArtifacts", {}).get("S3ModelArtifacts", ""),
                                             "MediaType": "application/x-tar"}})
    try:
        _ensure_tags(sm, sm.create_trial_component(**kwargs, Tags=scope.tag_list)["TrialComponentArn"], scope)
    except ClientError as exc:
        if "already exists" not in str(exc) and exc.response["Error"]["Code"] != "ResourceInUse":
            raise
        sm.update_trial_component(**{k: v for k, v in kwargs.items() if k != "DisplayName"})
    sm.associate_trial_component(TrialComponentName=component, TrialName=trial)
    if not session.local:  # SageMaker's own component for the job exists only on AWS
        try:
            sm.associate_trial_component(TrialComponentName=f"{job_name}-aws-training-job", TrialName=trial)
        except ClientError:
            pass
    return {"experiment": experiment, "trial": trial, "trial component": component}


def lineage_rows(session, trial: str) -> list[dict]:
    """What the trial records, read back from SageMaker Experiments."""
    sm = session.client("sagemaker")
    rows = []
    for summary in sm.list_trial_components(TrialName=trial).get("TrialComponentSummaries", []):
        tc = sm.describe_trial_component(TrialComponentName=summary["TrialComponentName"])
        for k, v in sorted((tc.get("Parameters") or {}).items()):
            rows.append({"component": tc["TrialComponentName"], "kind": "parameter", "name": k,
                         "value": v.get("StringValue", v.get("NumberValue"))})
        for kind, arts in (("input", tc.get("InputArtifacts") or {}), ("output", tc.get("OutputArtifacts") or {})):
            for k, v in arts.items():
                rows.append({"component": tc["TrialComponentName"], "kind": kind, "name": k, "value": v["Value"]})
    return rows


def check_pinned(session, trial: str) -> dict:
    """Is the data a run recorded still there, unchanged, even after the dataset moved on?"""
    rows = lineage_rows(session, trial)
    params = {r["name"]: r["value"] for r in rows if r["kind"] == "parameter"}
    uri = next(r["value"] for r in rows if r["kind"] == "input" and r["name"] == "training-data").split("?", 1)[0]
    bucket, key = uri[5:].split("/", 1)
    s3 = session.client("s3")
    body = s3.get_object(Bucket=bucket, Key=key, VersionId=params["data_version"])["Body"].read()
    latest = s3.head_object(Bucket=bucket, Key=key)
    return {"recorded version still readable": True,
            "same bytes as at training time": hashlib.sha256(body).hexdigest() == params["data_sha256"],
            "dataset changed since": latest.get("VersionId") != params["data_version"]}
