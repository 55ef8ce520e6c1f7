"""The corrective control: stop SageMaker work created outside the project's network.

Preventive controls (IAM denies) stop most mistakes before they happen; a corrective control
catches what got through anyway (a role without the guardrails, a guardrail with a gap). Here
an EventBridge rule matches CloudTrail's "AWS API Call via CloudTrail" events for
`CreateNotebookInstance` and `CreateTrainingJob`; its target, the Lambda function in
`functions/stop_noncompliant.py`, stops the resource if it has no VPC attachment (or one
outside the project's subnets) and records every decision in a DynamoDB table.

On AWS the events come from CloudTrail (a trail that logs management events must exist, see
`trail_status`); in local mode the runtime's CloudTrail stand-in (`helpers.emulator.events`)
emits the same events after each SageMaker Create* call, and the Lambda runner really runs
the function, whose SageMaker calls really stop the resource in the emulator.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from botocore.exceptions import ClientError

from helpers import archive
from labs.secure_environment.project import Scope

FUNCTION_SOURCE = Path(__file__).with_name("functions") / "stop_noncompliant.py"
CHECKED_EVENTS = ("CreateNotebookInstance", "CreateTrainingJob")
LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def event_pattern() -> dict:
    """The rule's pattern: successful SageMaker creates of the kinds the function checks."""
    return {"source": ["aws.sagemaker"], "detail-type": ["AWS API Call via CloudTrail"],
            "detail": {"eventSource": ["sagemaker.amazonaws.com"], "eventName": list(CHECKED_EVENTS),
                       "errorCode": [{"exists": False}]}}


@dataclass
class CorrectiveControl:
    function_name: str
    function_arn: str
    rule_name: str
    rule_arn: str
    table: str
    role_arn: str
    scope_tag: str

    def describe(self) -> list[dict]:
        return [{"piece": "EventBridge rule", "name": self.rule_name,
                 "what": "CloudTrail API calls: " + ", ".join(CHECKED_EVENTS)},
                {"piece": "Lambda function", "name": self.function_name,
                 "what": "stops notebook instances / training jobs without the project VPC"
                         + (f" (resources tagged {self.scope_tag})" if self.scope_tag else "")},
                {"piece": "DynamoDB table", "name": self.table, "what": "one item per decision"},
                {"piece": "IAM role", "name": self.role_arn.rsplit("/", 1)[-1],
                 "what": "Describe/Stop/ListTags on SageMaker, PutItem on the table, its own logs"}]


def _role_policy(session, table_arn: str, function: str) -> dict:
    logs = f"arn:aws:logs:{session.region}:{session.account_id}:log-group:/aws/lambda/{function}:*"
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "InspectAndStop", "Effect": "Allow", "Resource": "*",
         "Action": ["sagemaker:DescribeNotebookInstance", "sagemaker:DescribeTrainingJob", "sagemaker:ListTags",
                    "sagemaker:StopNotebookInstance", "sagemaker:StopTrainingJob"]},
        {"Sid": "RecordDecisions", "Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": table_arn},
        {"Sid": "OwnLogs", "Effect": "Allow", "Resource": logs,
         "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]},
    ]}


def _package() -> bytes:
    """The function's zip: one module, same bytes for the same source (no redeploy on a re-run)."""
    return archive.zip_bytes({FUNCTION_SOURCE.name: FUNCTION_SOURCE.read_text()})


def ensure_table(session, scope: Scope) -> tuple[str, str]:
    ddb = session.client("dynamodb")
    name = scope.name("remediations")
    try:
        arn = ddb.describe_table(TableName=name)["Table"]["TableArn"]
    except ddb.exceptions.ResourceNotFoundException:
        arn = ddb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "resource", "KeyType": "HASH"},
                       {"AttributeName": "decidedAt", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "resource", "AttributeType": "S"},
                                  {"AttributeName": "decidedAt", "AttributeType": "S"}],
            Tags=scope.tag_list)["TableDescription"]["TableArn"]
        ddb.get_waiter("table_exists").wait(TableName=name)
    return name, arn


def ensure_role(session, scope: Scope, table_arn: str, function: str) -> str:
    iam = session.client("iam")
    name = scope.name("corrective")
    try:
        arn = iam.get_role(RoleName=name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST), Tags=scope.tag_list,
                              Description=f"Corrective control of project {scope.project}")["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="stop-noncompliant",
                        PolicyDocument=json.dumps(_role_policy(session, table_arn, function)))
    return arn


def ensure_function(session, scope: Scope, role_arn: str, env: dict[str, str]) -> str:
    lam = session.client("lambda")
    name = scope.name("stop-noncompliant")
    code = _package()
    config = {"Role": role_arn, "Handler": "stop_noncompliant.handler", "Runtime": "python3.13",
              "Timeout": 900, "MemorySize": 256, "Environment": {"Variables": env},
              "Description": "Stops SageMaker notebook instances and training jobs created outside the project VPC"}
    try:
        current = lam.get_function(FunctionName=name)
    except lam.exceptions.ResourceNotFoundException:
        for attempt in range(12):  # a new role takes a few seconds to be assumable by Lambda
            try:
                return lam.create_function(FunctionName=name, Code={"ZipFile": code}, Tags=scope.tags,
                                           **config)["FunctionArn"]
            except lam.exceptions.InvalidParameterValueException as exc:
                if "cannot be assumed" not in str(exc) or attempt == 11:
                    raise
                time.sleep(5)
    import base64
    import hashlib

    if current["Configuration"]["CodeSha256"] != base64.b64encode(hashlib.sha256(code).digest()).decode():
        lam.update_function_code(FunctionName=name, ZipFile=code)
        _wait_updated(lam, name)
    cfg = current["Configuration"]
    if (cfg.get("Environment", {}).get("Variables") != env or cfg.get("Role") != role_arn
            or cfg.get("Timeout") != config["Timeout"]):
        lam.update_function_configuration(FunctionName=name, **{k: v for k, v in config.items() if k != "Runtime"})
        _wait_updated(lam, name)
    return current["Configuration"]["FunctionArn"]


def _wait_updated(lam, name: str) -> None:
    try:
        lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    except Exception:  # noqa: BLE001 - the local emulator updates at once and may not report LastUpdateStatus
        pass


def ensure_rule(session, scope: Scope, function_arn: str) -> tuple[str, str]:
    events, lam = session.client("events"), session.client("lambda")
    name = scope.name("sagemaker-created")
    arn = events.put_rule(Name=name, EventPattern=json.dumps(event_pattern()), State="ENABLED",
                          Description=f"SageMaker creates -> corrective control of project {scope.project}")["RuleArn"]
    events.tag_resource(ResourceARN=arn, Tags=scope.tag_list)
    events.put_targets(Rule=name, Targets=[{"Id": "stop-noncompliant", "Arn": function_arn}])
    try:
        lam.add_permission(FunctionName=function_arn, StatementId=f"events-{name}"[:100],
                           Action="lambda:InvokeFunction", Principal="events.amazonaws.com", SourceArn=arn)
    except lam.exceptions.ResourceConflictException:
        pass  # granted on an earlier run
    return name, arn


def ensure_corrective_control(session, scope: Scope, *, allowed_subnets: list[str], scoped: bool = True
                              ) -> CorrectiveControl:
    """Table, role, function and rule (each found again on a second run).

    `scoped` limits the control to resources tagged with this project: other labs in the same
    account (notebook 03's training job runs without a VPC) are left alone."""
    function = scope.name("stop-noncompliant")
    table, table_arn = ensure_table(session, scope)
    role = ensure_role(session, scope, table_arn, function)
    scope_tag = f"project={scope.project}" if scoped else ""
    env = {"REMEDIATION_TABLE": table, "ALLOWED_SUBNETS": ",".join(allowed_subnets), "SCOPE_TAG": scope_tag}
    function_arn = ensure_function(session, scope, role, env)
    rule, rule_arn = ensure_rule(session, scope, function_arn)
    return CorrectiveControl(function_name=function, function_arn=function_arn, rule_name=rule, rule_arn=rule_arn,
                             table=table, role_arn=role, scope_tag=scope_tag)


# -- what it did ---------------------------------------------------------------------------
def timestamp() -> str:
    """Now, in the form decisions are stamped with (pass it as `since` to `wait_for_decisions`)."""
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def settled_status(session, kind: str, name: str, *, timeout: float | None = None) -> str:
    """The status of a notebook instance or training job once it has stopped moving
    (`Stopping` -> `Stopped`, `Pending` -> `InService`...)."""
    sm = session.client("sagemaker")
    timeout = timeout if timeout is not None else (60 if session.local else 1800)
    end = time.time() + timeout
    while True:
        if kind == "notebook-instance":
            status = sm.describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceStatus"]
            moving = status in ("Pending", "Stopping", "Updating", "Deleting")
        else:
            status = sm.describe_training_job(TrainingJobName=name)["TrainingJobStatus"]
            moving = status == "Stopping"
        if not moving or time.time() > end:
            return status
        time.sleep(0.5 if session.local else 15)


def _plain(item: dict) -> dict:
    out = {}
    for k, v in item.items():
        if "S" in v:
            out[k] = v["S"]
        elif "L" in v:
            out[k] = [x.get("S", "") for x in v["L"]]
        else:
            out[k] = next(iter(v.values()))
    return out


def decisions(session, control: CorrectiveControl) -> list[dict]:
    """Every decision the function recorded, oldest first."""
    ddb = session.client("dynamodb")
    items: list[dict] = []
    kwargs: dict = {"TableName": control.table}
    while True:
        page = ddb.scan(**kwargs)
        items += [_plain(i) for i in page.get("Items", [])]
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return sorted(items, key=lambda i: i.get("decidedAt", ""))


def wait_for_decisions(session, control: CorrectiveControl, names: list[str], *, since: str = "",
                       timeout: float | None = None) -> dict[str, dict]:
    """The latest decision for each named resource (made after `since`, an ISO time), waiting for
    them. On AWS the event reaches EventBridge within seconds to a few minutes, and a notebook
    instance can only be stopped once it has started (several minutes)."""
    timeout = timeout if timeout is not None else (60 if session.local else 1200)
    end = time.time() + timeout
    while True:
        latest: dict[str, dict] = {}
        for d in decisions(session, control):
            if d.get("name") in names and d.get("decidedAt", "") >= since:
                latest[d["name"]] = d
        if len(latest) == len(set(names)):
            return {n: latest[n] for n in names}
        if time.time() > end:
            missing = sorted(set(names) - set(latest))
            raise TimeoutError(f"no decision recorded for {', '.join(missing)} within {timeout:.0f} s: see the "
                               f"function's log (/aws/lambda/{control.function_name}) and {trail_status(session)}")
        time.sleep(0.5 if session.local else 10)


def function_log(session, control: CorrectiveControl, *, contains: str = "") -> list[str]:
    """The function's log lines (CloudWatch Logs), newest stream last."""
    logs = session.client("logs")
    group = f"/aws/lambda/{control.function_name}"
    try:
        streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
    except logs.exceptions.ResourceNotFoundException:
        return []
    lines = []
    for s in sorted(streams, key=lambda s: s.get("creationTime", 0)):
        for e in logs.get_log_events(logGroupName=group, logStreamName=s["logStreamName"],
                                     startFromHead=True).get("events", []):
            lines += [line for line in e["message"].splitlines() if contains in line]
    return lines


def trail_status(session) -> str:
    """Whether CloudTrail will feed the rule: EventBridge receives "AWS API Call via CloudTrail"
    events only while a trail logs management events."""
    if session.local:
        return "local mode: the runtime's CloudTrail stand-in emits the events"
    ct = session.client("cloudtrail")
    for trail in ct.describe_trails(includeShadowTrails=True).get("trailList", []):
        try:
            if ct.get_trail_status(Name=trail["TrailARN"]).get("IsLogging"):
                return f"CloudTrail trail {trail['Name']} is logging"
        except ClientError:
            continue
    return ("no CloudTrail trail is logging in this region: create one that records management events, "
            "or the rule never fires")
