"""Deploying the registration stack.

What it is, in both modes: the roster table with its stream, an SQS queue
for records that could not be provisioned, a least-privilege role, the
registration function behind an HTTP API (portal page + POST /register), and
the provisioning function fed by an event source mapping.

- aws mode: `template.yaml` (SAM) is deployed with CloudFormation; the
  function code is uploaded to the default bucket first.
- local mode: moto's CloudFormation would report SAM resources created while
  creating nothing, so the same resources are created through the same
  service APIs, with the settings read from the template itself (one source
  of truth; tests check the template and the local stack agree).
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

from helpers import archive, templates
from labs.deepracer_event import event as event_state
from labs.deepracer_event.identity import EventIdentity

FUNCTIONS_DIR = Path(__file__).with_name("functions")
TEMPLATE = Path(__file__).with_name("template.yaml")
PACKAGE_FILES = ("validation.py", "register.py", "provision.py", "portal.html")


@dataclass
class RegistrationStack:
    event: str
    api_url: str
    register_function: str
    provision_function: str
    mapping_uuid: str
    failure_queue_url: str
    failure_queue_arn: str
    racers_table: str
    event_table: str
    stream_arn: str


def package_code() -> bytes:
    """The deployment package: the function modules and the portal page (deterministic)."""
    return archive.zip_bytes({name: (FUNCTIONS_DIR / name).read_bytes() for name in PACKAGE_FILES})


def load_template() -> dict:
    return templates.load(TEMPLATE)


def template_settings() -> dict:
    """The settings local mode copies from the template."""
    t = load_template()
    res = t["Resources"]
    glob = t.get("Globals", {}).get("Function", {})
    reg = res["RegisterFunction"]["Properties"]
    prov = res["ProvisionFunction"]["Properties"]
    stream = prov["Events"]["RacerStream"]["Properties"]
    return {
        "runtime": glob.get("Runtime", "python3.13"),
        "register": {"handler": reg["Handler"], "timeout": reg.get("Timeout", glob.get("Timeout", 3)),
                     "memory": reg.get("MemorySize", glob.get("MemorySize", 128))},
        "provision": {"handler": prov["Handler"], "timeout": prov.get("Timeout", glob.get("Timeout", 3)),
                      "memory": prov.get("MemorySize", glob.get("MemorySize", 128))},
        "mapping": {
            "BatchSize": stream["BatchSize"],
            "MaximumRetryAttempts": stream["MaximumRetryAttempts"],
            "BisectBatchOnFunctionError": stream["BisectBatchOnFunctionError"],
            "FunctionResponseTypes": stream["FunctionResponseTypes"],
            "StartingPosition": stream["StartingPosition"],
            "MaximumBatchingWindowInSeconds": stream.get("MaximumBatchingWindowInSeconds", 0),
            "ParallelizationFactor": stream.get("ParallelizationFactor", 1),
            "FilterCriteria": stream.get("FilterCriteria", {"Filters": []}),
        },
        "routes": sorted(f"{e['Properties']['Method'].upper()} {e['Properties']['Path']}"
                         for e in reg["Events"].values() if e["Type"] == "HttpApi"),
        "queue_retention": res["ProvisionFailures"]["Properties"]["MessageRetentionPeriod"],
        "register_env": sorted(reg["Environment"]["Variables"]) + sorted(glob["Environment"]["Variables"]),
        "provision_env": sorted(prov["Environment"]["Variables"]) + sorted(glob["Environment"]["Variables"]),
    }


def function_policy(session, names: dict[str, str], queue_arn: str, ident: EventIdentity, sender: str) -> dict:
    """Least privilege for both functions: these tables, this group, this sender."""
    acct, region = session.account_id, session.region
    table_arns = [f"arn:aws:dynamodb:{region}:{acct}:table/{n}" for n in names.values()]
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "Roster", "Effect": "Allow",
         "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], "Resource": table_arns},
        {"Sid": "Stream", "Effect": "Allow",
         "Action": ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                    "dynamodb:ListStreams"], "Resource": f"{table_arns[1]}/stream/*"},
        {"Sid": "Park", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue_arn},
        {"Sid": "Identity", "Effect": "Allow",
         "Action": ["identitystore:CreateUser", "identitystore:GetUserId", "identitystore:CreateGroupMembership",
                    "identitystore:GetGroupMembershipId"],
         "Resource": [f"arn:aws:identitystore::{acct}:identitystore/{ident.center.identity_store_id}",
                      f"arn:aws:identitystore:::user/*", f"arn:aws:identitystore:::group/{ident.group_id}",
                      "arn:aws:identitystore:::membership/*"]},
        {"Sid": "Mail", "Effect": "Allow", "Action": "ses:SendEmail",
         "Resource": f"arn:aws:ses:{region}:{acct}:identity/*",
         "Condition": {"StringEquals": {"ses:FromAddress": sender}}},
        {"Sid": "Logs", "Effect": "Allow",
         "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": f"arn:aws:logs:{region}:{acct}:log-group:/aws/lambda/*"},
    ]}


def deploy(session, event: str, ident: EventIdentity, *, sender: str, allowed_domains: str,
           display_name: str) -> RegistrationStack:
    """Create the stack (or find it): idempotent, returns where everything is."""
    if session.mode == "aws":
        return _deploy_cloudformation(session, event, ident, sender=sender, allowed_domains=allowed_domains,
                                      display_name=display_name)
    return _deploy_local(session, event, ident, sender=sender, allowed_domains=allowed_domains,
                         display_name=display_name)


def _deploy_local(session, event, ident, *, sender, allowed_domains, display_name) -> RegistrationStack:
    settings = template_settings()
    names = event_state.ensure_tables(session, event)
    ddb, sqs, iam, lam, apigw = (session.client(s) for s in ("dynamodb", "sqs", "iam", "lambda", "apigatewayv2"))
    stream_arn = ddb.describe_table(TableName=names["racers"])["Table"]["LatestStreamArn"]
    qname = f"{event}-provision-failures"
    queue_url = sqs.create_queue(QueueName=qname, Attributes={
        "MessageRetentionPeriod": str(settings["queue_retention"])}, tags=session.tags)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    role_name = f"{event}-registration-fn"
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
        "Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    try:
        role_arn = iam.get_role(RoleName=role_name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role_arn = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust),
                                   Tags=session.tag_list)["Role"]["Arn"]
    iam.put_role_policy(RoleName=role_name, PolicyName="registration",
                        PolicyDocument=json.dumps(function_policy(session, names, queue_arn, ident, sender)))
    code = package_code()
    common_env = {"RACERS_TABLE": names["racers"], "EVENT_TABLE": names["event"], "EVENT_NAME": display_name}
    functions = {
        "register": (f"{event}-register", {**common_env, "ALLOWED_DOMAINS": allowed_domains}),
        "provision": (f"{event}-provision", {**common_env, "IDENTITY_STORE_ID": ident.center.identity_store_id,
                                             "GROUP_ID": ident.group_id, "SENDER": sender,
                                             "ACCESS_PORTAL_URL": ident.center.access_portal_url}),
    }
    for key, (fname, env) in functions.items():
        cfg = settings[key]
        args = dict(FunctionName=fname, Runtime=settings["runtime"], Role=role_arn, Handler=cfg["handler"],
                    Timeout=cfg["timeout"], MemorySize=cfg["memory"], Environment={"Variables": env})
        try:
            current = lam.get_function(FunctionName=fname)["Configuration"]
            if current.get("CodeSha256") != _sha256_b64(code):
                lam.update_function_code(FunctionName=fname, ZipFile=code)
            lam.update_function_configuration(**{k: v for k, v in args.items() if k != "FunctionName"},
                                              FunctionName=fname)
        except lam.exceptions.ResourceNotFoundException:
            lam.create_function(**args, Code={"ZipFile": code}, Tags=session.tags)
    reg_name, prov_name = functions["register"][0], functions["provision"][0]
    mapping = _ensure_mapping(lam, prov_name, stream_arn, queue_arn, settings["mapping"])
    api_url = _ensure_api(session, apigw, lam, event, reg_name, settings["routes"])
    return RegistrationStack(event, api_url, reg_name, prov_name, mapping, queue_url, queue_arn,
                             names["racers"], names["event"], stream_arn)


def _sha256_b64(data: bytes) -> str:
    import base64

    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def _ensure_mapping(lam, function: str, stream_arn: str, queue_arn: str, settings: dict) -> str:
    for m in lam.list_event_source_mappings(FunctionName=function).get("EventSourceMappings", []):
        if m["EventSourceArn"] == stream_arn:
            return m["UUID"]
    return lam.create_event_source_mapping(
        FunctionName=function, EventSourceArn=stream_arn, Enabled=True,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}}, **settings)["UUID"]


def _ensure_api(session, apigw, lam, event: str, function: str, routes: list[str]) -> str:
    name = f"{event}-portal"
    for api in apigw.get_apis().get("Items", []):
        if api["Name"] == name:
            return api["ApiEndpoint"]
    api = apigw.create_api(Name=name, ProtocolType="HTTP", Tags=session.tags)
    fn_arn = lam.get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    integration = apigw.create_integration(ApiId=api["ApiId"], IntegrationType="AWS_PROXY",
                                           IntegrationUri=fn_arn, PayloadFormatVersion="2.0",
                                           TimeoutInMillis=10000)
    for route in routes:
        apigw.create_route(ApiId=api["ApiId"], RouteKey=route, Target=f"integrations/{integration['IntegrationId']}")
    apigw.create_stage(ApiId=api["ApiId"], StageName="$default", AutoDeploy=True)
    lam.add_permission(FunctionName=function, StatementId=f"{name}-invoke", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com",
                       SourceArn=f"arn:aws:execute-api:{session.region}:{session.account_id}:{api['ApiId']}/*")
    return api["ApiEndpoint"]


def _deploy_cloudformation(session, event, ident, *, sender, allowed_domains, display_name) -> RegistrationStack:
    names = event_state.ensure_tables(session, event)
    stream_arn = session.client("dynamodb").describe_table(TableName=names["racers"])["Table"]["LatestStreamArn"]
    code = package_code()
    key = f"workshop/registration/{hashlib.sha256(code).hexdigest()[:16]}.zip"
    session.client("s3").put_object(Bucket=session.bucket, Key=key, Body=code)
    cfn = session.client("cloudformation")
    stack = f"{event}-registration"
    params = {"EventName": event, "EventDisplayName": display_name, "AllowedDomains": allowed_domains,
              "SenderAddress": sender, "IdentityStoreId": ident.center.identity_store_id,
              "RacerGroupId": ident.group_id, "AccessPortalUrl": ident.center.access_portal_url,
              "CodeBucket": session.bucket, "CodeKey": key, "RacersTable": names["racers"],
              "EventTable": names["event"], "RacersStreamArn": stream_arn}
    args = dict(StackName=stack, TemplateBody=TEMPLATE.read_text(),
                Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()],
                Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"], Tags=session.tag_list)
    try:
        cfn.create_stack(**args)
        cfn.get_waiter("stack_create_complete").wait(StackName=stack)
    except cfn.exceptions.AlreadyExistsException:
        try:
            cfn.update_stack(**args)
            cfn.get_waiter("stack_update_complete").wait(StackName=stack)
        except cfn.exceptions.ClientError as exc:
            if "No updates" not in str(exc):
                raise
    out = {o["OutputKey"]: o["OutputValue"] for o in cfn.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]}
    return RegistrationStack(event, out["PortalUrl"].rstrip("/"), out["RegisterFunction"], out["ProvisionFunction"],
                             out["MappingId"], out["FailureQueueUrl"], out["FailureQueueArn"], out["RacersTable"],
                             out["EventTable"], out["RacersStreamArn"])


def wait_until_processed(session, stack: RegistrationStack, timeout: float = 120.0) -> bool:
    """Local mode: block until the stream poller has caught up. aws mode: a short sleep."""
    if session.runtime is not None:
        return session.runtime.streams.wait_idle(timeout)
    time.sleep(min(timeout, 10))
    return True
