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
| 06 | VPC, 2 subnets, route table, 2 security groups, S3 gateway + SageMaker API interface endpoints, KMS key + alias, versioned encrypted bucket (object versions, a delete marker, a VPC-endpoint-only bucket policy), data-scientist role + customer policy + instance profile, lifecycle config + notebook instance, EventBridge rule + target queue, experiment + trial + trial component, Studio domain | boto3 (see below) |

Lab 06's helpers (`helpers/secure/`) are being written alongside this
module; until `helpers.secure.project` lands, the secure environment is
created here directly with boto3, tagged like everything else. Switch
`_secure_environment` to `helpers.secure.project` once it exists.
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


def _tar(files: dict[str, str]) -> bytes:
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
    s3.put_object(Bucket=session.bucket, Key=f"{prefix}/code/source.tar.gz", Body=_tar({"train.py": TRAIN}))
    job = f"{event}-summarizer-{int(time.time())}"
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
    fp.add("03", f"training job {job} (a tiny script, not the summarizer)", "boto3 CreateTrainingJob")
    key = f"{prefix}/model/model.tar.gz"
    s3.put_object(Bucket=session.bucket, Key=key, Body=_tar({
        "model.json": json.dumps({"words": 4}), "code/inference.py": INFERENCE}))
    name = f"{event}-summarizer"
    deploy.deploy(session, name, f"s3://{session.bucket}/{key}", instance_type="ml.m5.large", wait=True)
    fp.add("04", f"model, endpoint config and endpoint {name} (a tiny artifact)", "deploy.deploy")


def _image_function(session, event: str, fp: Footprint) -> None:
    staged = Path(tempfile.mkdtemp(prefix="cleanup-image-"))
    (staged / "app.py").write_text(IMAGE_APP)
    service = image_function.deploy_local(session, name=f"{event}-qa", staged=staged, memory=512, timeout=30)
    fp.add("05", f"ECR repository, image function and HTTP API {service.function}", "image_function.deploy_local")


def _secure_environment(session, event: str, fp: Footprint) -> None:
    """Lab 06's pieces, created directly (switch to helpers.secure.project once it lands)."""
    ec2, kms, s3, iam, sm, ev, sqs = (session.client(s) for s in
                                      ("ec2", "kms", "s3", "iam", "sagemaker", "events", "sqs"))
    tags = session.tag_list

    def spec(kind: str, name: str) -> list[dict]:
        return [{"ResourceType": kind, "Tags": tags + [{"Key": "Name", "Value": name}]}]

    region = session.region
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16", TagSpecifications=spec("vpc", f"{event}-private"))["Vpc"]["VpcId"]
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.42.{i}.0/24", AvailabilityZone=z,
                                 TagSpecifications=spec("subnet", f"{event}-private-{z}"))["Subnet"]["SubnetId"]
               for i, z in enumerate(zones)]
    rt = ec2.create_route_table(VpcId=vpc, TagSpecifications=spec("route-table", f"{event}-private"))[
        "RouteTable"]["RouteTableId"]
    for sub in subnets:
        ec2.associate_route_table(RouteTableId=rt, SubnetId=sub)
    workload = ec2.create_security_group(GroupName=f"{event}-workload", Description="notebooks, jobs, endpoints",
                                         VpcId=vpc, TagSpecifications=spec("security-group", f"{event}-workload"))[
        "GroupId"]
    endpoint_sg = ec2.create_security_group(GroupName=f"{event}-endpoints", Description="interface endpoints",
                                            VpcId=vpc, TagSpecifications=spec("security-group", f"{event}-endpoints"))[
        "GroupId"]
    ec2.authorize_security_group_ingress(GroupId=endpoint_sg, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": workload}]}])
    s3_endpoint = ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=f"com.amazonaws.{region}.s3", VpcEndpointType="Gateway", RouteTableIds=[rt],
        TagSpecifications=spec("vpc-endpoint", f"{event}-s3"))["VpcEndpoint"]["VpcEndpointId"]
    ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=f"com.amazonaws.{region}.sagemaker.api", VpcEndpointType="Interface",
        SubnetIds=subnets, SecurityGroupIds=[endpoint_sg], PrivateDnsEnabled=True,
        TagSpecifications=spec("vpc-endpoint", f"{event}-sagemaker-api"))
    fp.add("06", "VPC, 2 private subnets, route table, 2 security groups, S3 + SageMaker API endpoints", "boto3 (ec2)")

    key = kms.create_key(Description=f"{event} project data", Tags=[{"TagKey": k, "TagValue": v}
                                                                   for k, v in session.tags.items()])
    key_id = key["KeyMetadata"]["KeyId"]
    try:
        kms.create_alias(AliasName=f"alias/{event}-data", TargetKeyId=key_id)
    except kms.exceptions.AlreadyExistsException:
        kms.update_alias(AliasName=f"alias/{event}-data", TargetKeyId=key_id)
    bucket = f"{event}-secure-data-{session.account_id}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tags})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_id},
        "BucketKeyEnabled": True}]})
    for i in range(3):
        s3.put_object(Bucket=bucket, Key="data/reviews.csv", Body=f"version {i}\n".encode())
    s3.put_object(Bucket=bucket, Key="data/notes.txt", Body=b"to be deleted")
    s3.delete_object(Bucket=bucket, Key="data/notes.txt")  # leaves a delete marker
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "OnlyThroughTheVpcEndpoint", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"StringNotEquals": {"aws:SourceVpce": s3_endpoint}}}]}))
    fp.add("06", f"KMS key alias/{event}-data; versioned bucket {bucket} (4 object versions, 1 delete marker, "
           "VPC-endpoint-only policy)", "boto3 (kms, s3)")

    role = f"{event}-data-scientist"
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
        "Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust), Tags=tags)["Role"]["Arn"]
    policy_arn = iam.create_policy(PolicyName=f"{event}-data-scientist", Tags=tags, PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                                                "Resource": f"arn:aws:s3:::{bucket}/*"}]}))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=role, PolicyArn=policy_arn)
    iam.put_role_policy(RoleName=role, PolicyName="use-project-key", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                                                "Resource": key["KeyMetadata"]["Arn"]}]}))
    iam.create_instance_profile(InstanceProfileName=role, Tags=tags)
    iam.add_role_to_instance_profile(InstanceProfileName=role, RoleName=role)
    fp.add("06", f"role {role} (customer policy, inline policy, instance profile)", "boto3 (iam)")

    lifecycle = f"{event}-secure-onstart"
    sm.create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName=lifecycle,
        OnStart=[{"Content": "IyEvYmluL2Jhc2gKZWNobyAicGlwIGZyb20gdGhlIHByaXZhdGUgaW5kZXgiCg=="}])
    sm.create_notebook_instance(
        NotebookInstanceName=f"{event}-secure-notebook", InstanceType="ml.t3.medium", RoleArn=role_arn,
        SubnetId=subnets[0], SecurityGroupIds=[workload], KmsKeyId=key_id, LifecycleConfigName=lifecycle,
        DirectInternetAccess="Disabled", RootAccess="Disabled", Tags=tags)
    fp.add("06", f"notebook instance {event}-secure-notebook with lifecycle config {lifecycle}", "boto3 (sagemaker)")

    queue = sqs.create_queue(QueueName=f"{event}-security-findings", tags=session.tags)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    ev.put_rule(Name=f"{event}-noncompliant-notebooks", Tags=tags, State="ENABLED", EventPattern=json.dumps({
        "source": ["aws.sagemaker"], "detail-type": ["SageMaker Notebook Instance State Change"]}))
    ev.put_targets(Rule=f"{event}-noncompliant-notebooks", Targets=[{"Id": "findings", "Arn": queue_arn}])
    fp.add("06", f"EventBridge rule {event}-noncompliant-notebooks -> queue {event}-security-findings",
           "boto3 (events, sqs)")

    experiment, trial, component = (f"{event}-summarizer", f"{event}-summarizer-run-1", f"{event}-summarizer-eval")
    sm.create_experiment(ExperimentName=experiment, Tags=tags)
    sm.create_trial(TrialName=trial, ExperimentName=experiment, Tags=tags)
    sm.create_trial_component(TrialComponentName=component, Tags=tags)
    sm.associate_trial_component(TrialComponentName=component, TrialName=trial)
    acct = session.account_id
    for kind, name in (("experiment", experiment), ("experiment-trial", trial),
                       ("experiment-trial-component", component)):
        # AWS keeps the tags given at creation; moto 5.2 drops them, so they are added again (harmless on AWS).
        sm.add_tags(ResourceArn=f"arn:aws:sagemaker:{region}:{acct}:{kind}/{name}", Tags=tags)
    fp.add("06", f"experiment {experiment}, trial and trial component", "boto3 (sagemaker)")

    sm.create_domain(DomainName=f"{event}-studio", AuthMode="IAM", DefaultUserSettings={"ExecutionRole": role_arn},
                     SubnetIds=subnets, VpcId=vpc, AppNetworkAccessType="VpcOnly", KmsKeyId=key_id, Tags=tags)
    fp.add("06", f"Studio domain {event}-studio (VPC only)", "boto3 (sagemaker)")
