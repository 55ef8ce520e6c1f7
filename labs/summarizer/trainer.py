"""Notebooks 03-04: launch the summarizer's training job and deploy the result.

The same calls run in both modes: in aws mode a SageMaker training job on a
Hugging Face training image; in local mode the runtime's training-job
stand-in runs the very same `train.py` with the same contract.
"""
from __future__ import annotations

from pathlib import Path

from labs.summarizer.deploy import HF_TRAINING_IMAGE
from labs.summarizer import model as summarizer

#: The code the training job runs (train.py) and the endpoint serves (inference.py).
SCRIPTS = Path(__file__).resolve().with_name("code")
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


def trainer(session, hyperparameters: dict, *, instance_type: str = "ml.g5.2xlarge", max_hours: float = 4.0,
            volume_kms_key: str | None = None, vpc_config: dict | None = None, encrypt_inter_container: bool = False,
            source_dir: str | Path = SCRIPTS, entry_script: str = "train.py", base_job_name: str = "summarizer",
            image: str | None = None, output_path: str | None = None, tags: dict[str, str] | None = None,
            metric_definitions: list[dict] | None = None):
    """A ModelTrainer for train.py in script mode, with metric definitions for its log lines.

    The optional security settings (lab 06) leave the defaults unchanged when not given:
    `volume_kms_key` encrypts the training volume (and the model artifacts, when `output_path`
    is given) with a customer-managed key; `vpc_config` (`{"Subnets": [...],
    "SecurityGroupIds": [...]}`) runs the job in the project's private subnets;
    `encrypt_inter_container` encrypts traffic between the job's instances. `source_dir`,
    `entry_script`, `image`, `tags` and `metric_definitions` let another script use the same
    trainer."""
    from sagemaker.train import ModelTrainer
    from sagemaker.train.configs import Compute, Networking, OutputDataConfig, SourceCode, StoppingCondition
    from sagemaker.core.shapes import MetricDefinition, Tag

    compute = {"volume_kms_key_id": volume_kms_key} if volume_kms_key else {}
    extra = {}
    if vpc_config or encrypt_inter_container:
        extra["networking"] = Networking(
            subnets=list((vpc_config or {}).get("Subnets") or []) or None,
            security_group_ids=list((vpc_config or {}).get("SecurityGroupIds") or []) or None,
            enable_inter_container_traffic_encryption=True if encrypt_inter_container else None)
    if output_path:
        extra["output_data_config"] = OutputDataConfig(s3_output_path=output_path, kms_key_id=volume_kms_key)
    mt = ModelTrainer(
        sagemaker_session=session.sagemaker(), role=session.role_arn, base_job_name=base_job_name,
        training_image=(image or HF_TRAINING_IMAGE).format(region=session.region),
        source_code=SourceCode(source_dir=str(source_dir), entry_script=entry_script,
                               ignore_patterns=["inference.py", "__pycache__"]),
        hyperparameters={k: v for k, v in hyperparameters.items() if v is not None},
        compute=Compute(instance_type=instance_type, instance_count=1, volume_size_in_gb=50, **compute),
        stopping_condition=StoppingCondition(max_runtime_in_seconds=int(max_hours * 3600)),
        tags=[Tag(key=k, value=v) for k, v in (tags or session.tags).items()],
        **extra,
    )
    definitions = summarizer.METRIC_DEFINITIONS if metric_definitions is None else metric_definitions
    return mt.with_metric_definitions([MetricDefinition(name=d["Name"], regex=d["Regex"]) for d in definitions])


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
    from helpers.jobs import follow_training_job

    found = latest_model(session)
    if found:
        return found
    name = launch(session, trainer(session, hyperparameters, **trainer_kwargs), upload_channels(session))
    desc = follow_training_job(session, name, show=lambda line: None)
    return name, desc["ModelArtifacts"]["S3ModelArtifacts"]
