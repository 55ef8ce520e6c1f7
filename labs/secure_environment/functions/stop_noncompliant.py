"""Corrective control: stop SageMaker work created outside the project's network.

Triggered by an EventBridge rule on CloudTrail's "AWS API Call via CloudTrail"
events for `CreateNotebookInstance` and `CreateTrainingJob`. For each new
resource it reads the resource's own description (the event only says what
was asked for) and checks that it is attached to a VPC - and, when
`ALLOWED_SUBNETS` is set, only to the project's subnets. A non-compliant
notebook instance is stopped (once it has left `Pending`), a non-compliant
training job is stopped while it runs. Every decision, compliant or not, is
written to the DynamoDB table `REMEDIATION_TABLE` and printed to the
function's log; the function returns it as its result.

`SCOPE_TAG` ("key=value") limits the control to resources carrying that tag
(a workshop account is shared by several labs); empty means every resource.

Environment: REMEDIATION_TABLE, ALLOWED_SUBNETS (comma-separated, optional),
SCOPE_TAG (optional), PENDING_MARGIN_SECONDS (optional, default 30).
Only boto3 is needed (the Lambda Python runtime ships it).
"""
from __future__ import annotations

import json
import os
import time
from datetime import datetime, timezone

import boto3

sagemaker = boto3.client("sagemaker")
dynamodb = boto3.client("dynamodb")

CHECKED = {"CreateNotebookInstance": "notebook-instance", "CreateTrainingJob": "training-job"}


def handler(event, context):
    detail = event.get("detail") or {}
    name = detail.get("eventName", "")
    params = detail.get("requestParameters") or {}
    kind = CHECKED.get(name)
    if kind is None:
        return _finish(event, {"resourceType": "", "resource": "", "action": "ignored",
                               "reasons": [f"{name or 'this event'} is not checked by this control"]}, record=False)
    resource = params.get("notebookInstanceName") if kind == "notebook-instance" else params.get("trainingJobName")
    if kind == "notebook-instance":
        result = _notebook_instance(resource, context)
    else:
        result = _training_job(resource)
    return _finish(event, result)


# -- checks ----------------------------------------------------------------------------
def _allowed_subnets() -> set[str]:
    return {s.strip() for s in os.environ.get("ALLOWED_SUBNETS", "").split(",") if s.strip()}


def _violations(subnets: list[str]) -> list[str]:
    if not subnets:
        return ["no VPC attachment (the resource can reach the internet directly)"]
    allowed = _allowed_subnets()
    outside = sorted(set(subnets) - allowed) if allowed else []
    if outside:
        return [f"subnets outside the project VPC: {', '.join(outside)}"]
    return []


def _in_scope(arn: str) -> bool:
    scope = os.environ.get("SCOPE_TAG", "")
    if not scope:
        return True
    key, _, value = scope.partition("=")
    tags = sagemaker.list_tags(ResourceArn=arn).get("Tags", [])
    return any(t.get("Key") == key and t.get("Value") == value for t in tags)


def _notebook_instance(name: str, context) -> dict:
    desc = sagemaker.describe_notebook_instance(NotebookInstanceName=name)
    arn = desc["NotebookInstanceArn"]
    base = {"resourceType": "notebook-instance", "resource": name, "arn": arn}
    if not _in_scope(arn):
        return {**base, "action": "ignored", "reasons": [f"not tagged {os.environ['SCOPE_TAG']}"]}
    reasons = _violations([desc["SubnetId"]] if desc.get("SubnetId") else [])
    if not reasons:
        return {**base, "action": "none", "reasons": ["attached to the project VPC"],
                "status": desc["NotebookInstanceStatus"]}
    # A notebook instance can only be stopped once it is InService: wait while it starts.
    margin = float(os.environ.get("PENDING_MARGIN_SECONDS", "30")) * 1000
    status = desc["NotebookInstanceStatus"]
    while status == "Pending":
        if context is not None and context.get_remaining_time_in_millis() < margin:
            # Raising makes Lambda retry the asynchronous invocation (twice) a little later.
            raise TimeoutError(f"notebook instance {name} is still Pending; retrying later")
        time.sleep(10)
        status = sagemaker.describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceStatus"]
    if status in ("InService",):
        sagemaker.stop_notebook_instance(NotebookInstanceName=name)
        return {**base, "action": "stopped", "reasons": reasons, "status": "Stopping"}
    return {**base, "action": "none", "reasons": reasons + [f"already {status}"], "status": status}


def _training_job(name: str) -> dict:
    desc = sagemaker.describe_training_job(TrainingJobName=name)
    arn = desc["TrainingJobArn"]
    base = {"resourceType": "training-job", "resource": name, "arn": arn}
    if not _in_scope(arn):
        return {**base, "action": "ignored", "reasons": [f"not tagged {os.environ['SCOPE_TAG']}"]}
    reasons = _violations(list((desc.get("VpcConfig") or {}).get("Subnets") or []))
    status = desc["TrainingJobStatus"]
    if not reasons:
        return {**base, "action": "none", "reasons": ["attached to the project VPC"], "status": status}
    if status == "InProgress":
        try:
            sagemaker.stop_training_job(TrainingJobName=name)
            return {**base, "action": "stopped", "reasons": reasons, "status": "Stopping"}
        except sagemaker.exceptions.ClientError as exc:  # it ended between the two calls
            status = exc.response["Error"].get("Message", status)
    return {**base, "action": "none", "reasons": reasons + [f"already finished ({status})"], "status": status}


# -- record ------------------------------------------------------------------------------
def _finish(event: dict, result: dict, record: bool = True) -> dict:
    detail = event.get("detail") or {}
    result.update(
        eventName=detail.get("eventName", ""),
        eventId=detail.get("eventID", event.get("id", "")),
        eventTime=detail.get("eventTime", event.get("time", "")),
        principal=(detail.get("userIdentity") or {}).get("arn", ""),
        decidedAt=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    )
    if record and os.environ.get("REMEDIATION_TABLE"):
        item = {
            "resource": {"S": result.get("arn") or result["resource"]},
            "decidedAt": {"S": result["decidedAt"]},
            "name": {"S": result["resource"]},
            "reasons": {"L": [{"S": r} for r in result.get("reasons", [])]},
        }
        for key in ("resourceType", "action", "status", "eventName", "eventId", "eventTime", "principal"):
            if result.get(key):
                item[key] = {"S": str(result[key])}
        dynamodb.put_item(TableName=os.environ["REMEDIATION_TABLE"], Item=item)
    print(json.dumps(result, sort_keys=True))
    return result
