"""Deploying a model to a SageMaker endpoint with the SDK's resource classes.

`sagemaker.core.resources` (SageMaker Python SDK v3) maps one-to-one onto
the service: a Model (image + model data + environment), an EndpointConfig
(instance type and count) and an Endpoint. The same calls run against AWS
and against the local runtime, whose endpoint stand-in loads the artifact and
calls the inference script.
"""
from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

# The Hugging Face PyTorch inference image (aws mode); local mode runs the script itself.
HF_INFERENCE_IMAGE = ("763104351884.dkr.ecr.{region}.amazonaws.com/huggingface-pytorch-inference:"
                      "2.1.0-transformers4.37.0-cpu-py310-ubuntu22.04")
HF_TRAINING_IMAGE = ("763104351884.dkr.ecr.{region}.amazonaws.com/huggingface-pytorch-training:"
                     "2.1.0-transformers4.36.0-gpu-py310-cu121-ubuntu20.04")


def repack_with_code(session, model_data: str, code_files: list[Path], key: str) -> str:
    """model.tar.gz + code/<files>: the layout the inference toolkit looks for."""
    s3 = session.client("s3")
    bucket, src_key = model_data[5:].split("/", 1)
    original = s3.get_object(Bucket=bucket, Key=src_key)["Body"].read()
    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(original)) as src, tarfile.open(fileobj=out, mode="w:gz") as dst:
        for member in src.getmembers():
            if member.name.startswith("code/"):
                continue
            dst.addfile(member, src.extractfile(member) if member.isfile() else None)
        for f in code_files:
            dst.add(str(f), arcname=f"code/{Path(f).name}")
    s3.put_object(Bucket=session.bucket, Key=key, Body=out.getvalue())
    return f"s3://{session.bucket}/{key}"


def deploy(session, name: str, model_data: str, *, image: str | None = None, env: dict | None = None,
           instance_type: str = "ml.m5.xlarge", wait: bool = True, volume_kms_key: str | None = None,
           vpc_config: dict | None = None):
    """Model + endpoint config + endpoint (replacing an endpoint of the same name).

    Optional (lab 06): `volume_kms_key` encrypts the endpoint instances' storage volumes with a
    customer-managed key (the endpoint config's KmsKeyId); `vpc_config` (`{"Subnets": [...],
    "SecurityGroupIds": [...]}`) places the model's containers in the project's subnets."""
    from sagemaker.core.resources import Endpoint, EndpointConfig, Model
    from sagemaker.core.shapes import ContainerDefinition, ProductionVariant, Tag, VpcConfig

    tags = [Tag(key=k, value=v) for k, v in session.tags.items()]
    delete(session, name)
    model_extra = {}
    if vpc_config:
        model_extra["vpc_config"] = VpcConfig(subnets=list(vpc_config["Subnets"]),
                                              security_group_ids=list(vpc_config["SecurityGroupIds"]))
    Model.create(model_name=name, execution_role_arn=session.role_arn, tags=tags, session=session.boto,
                 primary_container=ContainerDefinition(image=image or HF_INFERENCE_IMAGE.format(region=session.region),
                                                       model_data_url=model_data, environment=env or {}),
                 **model_extra)
    config_extra = {"kms_key_id": volume_kms_key} if volume_kms_key else {}
    EndpointConfig.create(endpoint_config_name=name, tags=tags, session=session.boto, production_variants=[
        ProductionVariant(variant_name="AllTraffic", model_name=name, initial_instance_count=1,
                          instance_type=instance_type)], **config_extra)
    endpoint = Endpoint.create(endpoint_name=name, endpoint_config_name=name, tags=tags, session=session.boto)
    if wait:
        _wait_in_service(session, name)
    return endpoint


def _wait_in_service(session, name: str, timeout: float = 1800) -> None:
    import time

    sm = session.client("sagemaker")
    start = time.time()
    while True:
        d = sm.describe_endpoint(EndpointName=name)
        if d["EndpointStatus"] == "InService":
            return
        if d["EndpointStatus"] == "Failed":
            raise RuntimeError(f"endpoint {name} failed: {d.get('FailureReason', '')}")
        if time.time() - start > timeout:
            raise TimeoutError(f"endpoint {name} still {d['EndpointStatus']} after {timeout:.0f} s")
        time.sleep(2 if session.local else 15)


def invoke(session, name: str, payload: dict) -> dict:
    """POST JSON to the endpoint; a rejected request raises ValueError with the model's message."""
    from botocore.exceptions import ClientError

    rt = session.client("sagemaker-runtime")
    try:
        out = rt.invoke_endpoint(EndpointName=name, ContentType="application/json", Accept="application/json",
                                 Body=json.dumps(payload))
    except ClientError as exc:
        r = exc.response
        if r["Error"]["Code"] == "ModelError":
            raise ValueError(f"{r.get('OriginalStatusCode')}: {r.get('OriginalMessage')}") from None
        raise
    return json.loads(out["Body"].read())


def delete(session, name: str) -> None:
    """Endpoint, then its config, then the model: the order dependencies need."""
    sm = session.client("sagemaker")
    for call, kw in ((sm.delete_endpoint, {"EndpointName": name}),
                     (sm.delete_endpoint_config, {"EndpointConfigName": name}),
                     (sm.delete_model, {"ModelName": name})):
        try:
            call(**kw)
        except sm.exceptions.ClientError as exc:
            if "Could not find" not in str(exc) and "does not exist" not in str(exc) \
                    and exc.response["Error"]["Code"] not in ("ValidationException", "ResourceNotFound"):
                raise
