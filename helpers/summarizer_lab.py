"""Notebooks 03-04: launch the summarizer's training job and deploy the result.

The same calls run in both modes: in aws mode a SageMaker training job on a
Hugging Face training image; in local mode the runtime's training-job
stand-in runs the very same `train.py` with the same contract.
"""
from __future__ import annotations

from pathlib import Path

from .deploy import HF_TRAINING_IMAGE
from .models import summarizer

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "notebooks" / "summarizer"
PREFIX = "workshop/summarizer"


def upload_channels(session, data_dir: Path = summarizer.DATA) -> dict[str, str]:
    """data/reviews/{train,validation,test}.csv -> s3://<bucket>/workshop/summarizer/data/<channel>/."""
    s3 = session.client("s3")
    uris = {}
    for name in summarizer.CHANNELS:
        key = f"{PREFIX}/data/{name}/{name}.csv"
        s3.upload_file(str(Path(data_dir) / f"{name}.csv"), session.bucket, key)
        uris[name] = f"s3://{session.bucket}/{PREFIX}/data/{name}/"
    return uris


def trainer(session, hyperparameters: dict, *, instance_type: str = "ml.g5.2xlarge", max_hours: float = 4.0):
    """A ModelTrainer for train.py in script mode, with metric definitions for its log lines."""
    from sagemaker.train import ModelTrainer
    from sagemaker.train.configs import Compute, SourceCode, StoppingCondition
    from sagemaker.core.shapes import MetricDefinition, Tag

    mt = ModelTrainer(
        sagemaker_session=session.sagemaker(), role=session.role_arn, base_job_name="summarizer",
        training_image=HF_TRAINING_IMAGE.format(region=session.region),
        source_code=SourceCode(source_dir=str(SCRIPTS), entry_script="train.py",
                               ignore_patterns=["inference.py", "__pycache__"]),
        hyperparameters={k: v for k, v in hyperparameters.items() if v is not None},
        compute=Compute(instance_type=instance_type, instance_count=1, volume_size_in_gb=50),
        stopping_condition=StoppingCondition(max_runtime_in_seconds=int(max_hours * 3600)),
        tags=[Tag(key=k, value=v) for k, v in session.tags.items()],
    )
    return mt.with_metric_definitions([MetricDefinition(name=d["Name"], regex=d["Regex"])
                                       for d in summarizer.METRIC_DEFINITIONS])


def launch(session, mt, channels: dict[str, str]) -> str:
    """Start the job (do not wait: `helpers.jobs.follow_training_job` shows its log)."""
    from sagemaker.train.configs import InputData

    mt.train(input_data_config=[InputData(channel_name=k, data_source=v) for k, v in channels.items()],
             wait=False, logs=False)
    return mt._latest_training_job.training_job_name


def download_output(session, desc: dict, target: Path) -> Path:
    """The job's output.tar.gz (metrics.json and friends) unpacked into target."""
    import io
    import tarfile

    uri = desc["ModelArtifacts"]["S3ModelArtifacts"].rsplit("/", 1)[0] + "/output.tar.gz"
    bucket, key = uri[5:].split("/", 1)
    body = session.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(body)) as tf:
        tf.extractall(target, filter="data")
    return target


def latest_model(session) -> tuple[str, str] | None:
    """(job name, model data URI) of the newest completed summarizer job, if any."""
    sm = session.client("sagemaker")
    jobs = sm.list_training_jobs(NameContains="summarizer", StatusEquals="Completed", SortBy="CreationTime",
                                 SortOrder="Descending").get("TrainingJobSummaries", [])
    for job in jobs:
        desc = sm.describe_training_job(TrainingJobName=job["TrainingJobName"])
        uri = desc.get("ModelArtifacts", {}).get("S3ModelArtifacts")
        if uri:
            return job["TrainingJobName"], uri
    return None


def ensure_model(session, hyperparameters: dict, **trainer_kwargs) -> tuple[str, str]:
    """Find a trained summarizer, or train one now (notebook 04 runs on its own)."""
    from .jobs import follow_training_job

    found = latest_model(session)
    if found:
        return found
    name = launch(session, trainer(session, hyperparameters, **trainer_kwargs), upload_channels(session))
    desc = follow_training_job(session, name, show=lambda line: None)
    return name, desc["ModelArtifacts"]["S3ModelArtifacts"]
