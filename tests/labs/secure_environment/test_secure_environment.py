"""Provisioning the secure project environment (lab 06) in the embedded runtime.

One project is provisioned for the module; the tests read back what each piece enforces,
check that a second provisioning finds the same resources, that everything carries the
project's tags, that the lab's training job runs the secure way and its data version is
pinned, and that teardown removes it all.
"""
from __future__ import annotations

import json

import pytest

from labs.summarizer import deploy, trainer as summarizer_lab
from labs.summarizer import model as summarizer
from labs.secure_environment import encryption, lifecycle, lineage, network
from labs.secure_environment import project as sp

PROJECT = "env-tests"
TAGS = {"workshop": "ml-events", "event": "ml-events", "project": PROJECT, "environment": "dev"}


@pytest.fixture(scope="module")
def project(session):
    return sp.provision(session, PROJECT, "dev")


def _tags(pairs, key="Key", value="Value") -> dict:
    return {p[key]: p[value] for p in pairs}


def test_second_provisioning_finds_everything(session, project):
    again = sp.provision(session, PROJECT, "dev")
    assert again.ids() == project.ids()
    ec2 = session.client("ec2")
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:project", "Values": [PROJECT]}])["Vpcs"]
    assert [v["VpcId"] for v in vpcs] == [project.vpc_id]
    assert len(ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [project.vpc_id]}])["VpcEndpoints"]) == 5


def test_names_are_checked(session):
    with pytest.raises(ValueError, match="project name"):
        sp.make_scope(session, "Bad_Name")
    with pytest.raises(ValueError, match="environment"):
        sp.make_scope(session, "fine-name", "staging")


def test_network_is_private(session, project):
    net = sp.network_of(project)
    facts = network.facts(session, net)
    assert facts["internet gateways"] == 0 and facts["NAT gateways"] == 0
    assert facts["availability zones"] == "us-east-1a, us-east-1b" and facts["DNS hostnames"] is True
    rows = {r["endpoint"]: r for r in network.endpoint_rows(session, net)}
    assert set(rows) == {"s3", "sagemaker-api", "sagemaker-runtime", "sts", "logs"}
    assert rows["s3"]["type"] == "Gateway" and rows["sts"]["type"] == "Interface"
    assert project.bucket in rows["s3"]["policy allows"] and "account 123456789012" == rows["logs"]["principals"]
    rules = network.security_group_rows(session, net)
    assert {"group": "workload", "direction": "out", "ports": "all", "peer": "0.0.0.0/0"} not in rules
    assert {"group": "endpoints", "direction": "in", "ports": "tcp 443", "peer": "workload"} in rules


def test_encryption_and_bucket_policy(session, project):
    key = sp.key_of(project)
    facts = encryption.key_facts(session, key)
    assert facts["manager"] == "CUSTOMER" and facts["rotation"] is True
    data = encryption.bucket_facts(session, project.bucket, key)
    assert data["versioning"] == "Enabled" and data["default encryption"] == "aws:kms"
    assert data["with the project key"] and data["public access blocked"]
    # local mode: the VPC-endpoint-only policy is on the dedicated bucket, and the notes say so
    assert project.policy_bucket != project.bucket and "dedicated bucket" in project.notes[0]
    policy = json.loads(session.client("s3").get_bucket_policy(Bucket=project.policy_bucket)["Policy"])
    sids = [s["Sid"] for s in policy["Statement"]]
    assert sids == ["DenyOutsideProjectVpcEndpoint", "DenyInsecureTransport", "DenyPutsNotEncryptedWithKms",
                    "DenyPutsWithOtherKmsKey"]
    assert policy["Statement"][0]["Condition"]["StringNotEquals"]["aws:SourceVpce"] == project.s3_endpoint
    stored = encryption.put_encrypted(session, project.bucket, "probe.txt", b"x", key)
    assert stored["encryption"] == "aws:kms" and stored["kms_key"] == key.arn and stored["version_id"]


def test_data_scientist_role(session, project):
    rows = sp.role_rows(session, project)
    assert [r["policy"] for r in rows] == [f"{PROJECT}-dev-data-scientist", f"{PROJECT}-dev-guardrails"]
    assert all(r["role tag project"] == PROJECT and r["within limit"] for r in rows)
    iam = session.client("iam")
    trust = iam.get_role(RoleName=f"{PROJECT}-dev-data-scientist")["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "sagemaker.amazonaws.com"}


def test_everything_is_tagged(session, project):
    ec2, s3, iam = session.client("ec2"), session.client("s3"), session.client("iam")
    ids = [project.vpc_id, *project.subnet_ids, project.workload_security_group, project.endpoint_security_group,
           *project.endpoints.values()]
    described = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": ids}])["Tags"]
    for rid in ids:
        tags = {t["Key"]: t["Value"] for t in described if t["ResourceId"] == rid}
        assert TAGS.items() <= tags.items(), rid
    assert TAGS.items() <= _tags(session.client("kms").list_resource_tags(KeyId=project.kms_key_id)["Tags"],
                                 "TagKey", "TagValue").items()
    for bucket in (project.bucket, project.policy_bucket):
        assert TAGS.items() <= _tags(s3.get_bucket_tagging(Bucket=bucket)["TagSet"]).items()
    for role in (f"{PROJECT}-dev-data-scientist", f"{PROJECT}-dev-corrective"):
        assert TAGS.items() <= _tags(iam.list_role_tags(RoleName=role)["Tags"]).items()
    for arn in project.policy_arns.values():
        assert TAGS.items() <= _tags(iam.list_policy_tags(PolicyArn=arn)["Tags"]).items()
    lam = session.client("lambda")
    fn = lam.get_function(FunctionName=project.corrective_function)
    assert TAGS.items() <= fn["Tags"].items()
    rule = session.client("events").describe_rule(Name=project.corrective_rule)["Arn"]
    assert TAGS.items() <= _tags(session.client("events").list_tags_for_resource(ResourceARN=rule)["Tags"]).items()
    ddb = session.client("dynamodb")
    table = ddb.describe_table(TableName=project.remediation_table)["Table"]["TableArn"]
    assert TAGS.items() <= _tags(ddb.list_tags_of_resource(ResourceArn=table)["Tags"]).items()
    sm = session.client("sagemaker")
    exp = sm.describe_experiment(ExperimentName=project.experiment)["ExperimentArn"]
    assert TAGS.items() <= _tags(sm.list_tags(ResourceArn=exp)["Tags"]).items()


def test_lifecycle_config_and_compliant_notebook(session, project, unique):
    name = f"{PROJECT}-nb-{unique}"
    lifecycle.create_notebook_instance(session, project.scope, name, role_arn=session.role_arn,
                                       subnet_id=project.subnet_ids[0],
                                       security_group_ids=[project.workload_security_group],
                                       kms_key_id=project.kms_key_arn, lifecycle_config=project.lifecycle_config)
    back = lifecycle.read_back(session, name)
    assert back["RootAccess"] == "Disabled" and back["DirectInternetAccess"] == "Disabled"
    assert back["in VPC subnet"] and back["KMS key on the volume"]
    assert back["lifecycle config"] == project.lifecycle_config
    assert back["on-start script"].startswith("#!/bin/bash") and "sudoers" in back["on-start script"]
    assert lifecycle.delete_notebook_instance(session, name)


def test_secure_training_job_and_lineage(session, project):
    key = sp.key_of(project)
    data = lineage.upload_dataset(session, project.bucket, "data/reviews/train.csv",
                                  (summarizer.DATA / "train.csv").read_bytes(), key)
    hp = {"min-count": 3}
    name = summarizer_lab.launch(session, sp.trainer(session, project, hp),
                                 {"train": f"s3://{project.bucket}/data/reviews/"})
    from helpers.jobs import follow_training_job, metrics

    desc = follow_training_job(session, name, show=lambda line: None, poll=0.5)
    facts = sp.job_facts(session, name, project)
    assert facts == {"status": "Completed", "in the project subnets": True, "security group": "workload",
                     "volume KMS key": "project key", "model KMS key": "project key",
                     "inter-container encryption": True,
                     "output": f"s3://{PROJECT}-dev-data-<account>-us-east-1/models"}
    assert metrics(desc)["holdout:accuracy"] > 0.8
    run = lineage.record_run(session, project.scope, project.experiment, job=desc, data=data, hyperparameters=hp)
    rows = {r["name"]: r["value"] for r in lineage.lineage_rows(session, run["trial"])}
    assert rows["data_version"] == data.version_id and rows["training_job"] == name
    assert rows["training-data"] == data.versioned_uri
    # the dataset moves on; the recorded version stays readable and unchanged
    lineage.upload_dataset(session, project.bucket, "data/reviews/train.csv", b"review,sentiment\nnew,positive\n", key)
    assert lineage.check_pinned(session, run["trial"]) == {
        "recorded version still readable": True, "same bytes as at training time": True, "dataset changed since": True}


def test_trainer_and_deploy_defaults_unchanged(session, project, unique):
    """The new security parameters are optional: without them the lab 03/04 calls build what they did."""
    plain = summarizer_lab.trainer(session, {"epochs": 1})
    assert plain.networking is None and plain.compute.volume_kms_key_id is None
    assert plain.base_job_name == "summarizer" and plain.source_code.entry_script == "train.py"
    secure = summarizer_lab.trainer(session, {"epochs": 1}, volume_kms_key=project.kms_key_arn,
                                    vpc_config=project.vpc_config, encrypt_inter_container=True)
    assert secure.compute.volume_kms_key_id == project.kms_key_arn
    assert secure.networking.subnets == project.subnet_ids
    assert secure.networking.enable_inter_container_traffic_encryption is True
    # endpoint config KmsKeyId and model VpcConfig (no need to wait for the endpoint to load)
    s3 = session.client("s3")
    s3.put_object(Bucket=session.bucket, Key=f"secure-deploy/{unique}/model.tar.gz", Body=b"")
    name = f"secure-ep-{unique}"
    deploy.deploy(session, name, f"s3://{session.bucket}/secure-deploy/{unique}/model.tar.gz", wait=False,
                  volume_kms_key=project.kms_key_arn, vpc_config=project.vpc_config)
    sm = session.client("sagemaker")
    assert sm.describe_endpoint_config(EndpointConfigName=name)["KmsKeyId"] == project.kms_key_arn
    assert sm.describe_model(ModelName=name)["VpcConfig"]["Subnets"] == project.subnet_ids
    deploy.deploy(session, f"{name}-plain", f"s3://{session.bucket}/secure-deploy/{unique}/model.tar.gz", wait=False)
    assert "KmsKeyId" not in sm.describe_endpoint_config(EndpointConfigName=f"{name}-plain")
    deploy.delete(session, name)
    deploy.delete(session, f"{name}-plain")


def test_inventory_by_tag(session, project):
    kinds = {f"{r.service}:{r.kind}" for r in sp.inventory(session, project)}
    assert {"ec2:vpc", "ec2:vpc-endpoint", "kms:key", "s3:bucket", "iam:role", "lambda:function", "events:rule",
            "dynamodb:table"} <= kinds
    assert sp.cost_by_tag(session) is None  # local mode has no bill


def test_teardown_then_provision_again(session):
    """A project of its own: teardown removes everything, and provisioning afterwards starts afresh."""
    first = sp.provision(session, "env-teardown", "test")
    removed = sp.teardown(session, "env-teardown", "test")
    assert removed["VPCs"] == 1 and removed["VPC endpoints"] == 5 and removed["S3 buckets"] == 2
    assert removed["KMS keys (scheduled for deletion in 7 days)"] == 1
    assert removed["lifecycle configs"] == 1  # unused by any notebook: found by its name (the emulator cannot list)
    with pytest.raises(session.client("sagemaker").exceptions.ClientError):
        session.client("sagemaker").describe_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName=first.lifecycle_config)
    ec2 = session.client("ec2")
    assert not ec2.describe_vpcs(Filters=[{"Name": "tag:project", "Values": ["env-teardown"]}])["Vpcs"]
    second = sp.provision(session, "env-teardown", "test")
    assert second.vpc_id != first.vpc_id and second.kms_key_id != first.kms_key_id
    sp.teardown(session, "env-teardown", "test")
