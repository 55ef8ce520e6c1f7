"""Lab 06's footprint for the cleanup rehearsal: the secure project, its data versions, lineage, a notebook
instance and a Studio domain."""
from __future__ import annotations

from helpers.resources.footprint import Footprint
from labs.secure_environment import lifecycle, lineage
from labs.secure_environment import project as secure_project


def secure_project_name(event: str) -> str:
    """Lab 06's project name for an event: the event name when it fits the project rules (3-20 characters)."""
    import hashlib
    import re

    if re.match(r"^[a-z][a-z0-9-]{1,18}[a-z0-9]$", event):
        return event
    return "p" + hashlib.sha256(event.encode()).hexdigest()[:10]


def build(session, event: str, fp: Footprint) -> None:
    """Lab 06's environment through its own helpers, plus what the lab adds by hand.

    The lineage records the training job lab 03's builder started (`fp.made["training_job"]`)."""

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

    job = sm.describe_training_job(TrainingJobName=fp.made.get("training_job", f"{event}-summarizer-tiny"))
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
