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
# The DeepRacer on AWS client ships in the package (the function runs without `helpers`): one source file.
CLIENT_DIR = Path(__file__).resolve().parents[2] / "helpers" / "deepracer_on_aws"
VENDORED = {"deepracer_api.py": CLIENT_DIR / "client.py", "operations.json": CLIENT_DIR / "operations.json"}


@dataclass(frozen=True)
class DeepRacerWiring:
    """Where the provisioning function finds the event's DeepRacer on AWS deployment and its service user."""

    api_url: str
    user_pool_id: str
    client_id: str
    identity_pool_id: str
    site_url: str
    secret_arn: str

    def env(self) -> dict[str, str]:
        return {"DEEPRACER_API_URL": self.api_url, "DEEPRACER_USER_POOL_ID": self.user_pool_id,
                "DEEPRACER_CLIENT_ID": self.client_id, "DEEPRACER_IDENTITY_POOL_ID": self.identity_pool_id,
                "DEEPRACER_SECRET": self.secret_arn, "SITE_URL": self.site_url}

    def parameters(self) -> dict[str, str]:
        return {"DeepRacerApiUrl": self.api_url, "DeepRacerUserPoolId": self.user_pool_id,
                "DeepRacerClientId": self.client_id, "DeepRacerIdentityPoolId": self.identity_pool_id,
                "DeepRacerSiteUrl": self.site_url, "DeepRacerSecretArn": self.secret_arn}


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
    limits_table: str = ""  # per-source registration counters (the function's SOURCE_LIMIT_TABLE)


def package_code() -> bytes:
    """The deployment package: the function modules and the portal page (deterministic)."""
    files = {name: (FUNCTIONS_DIR / name).read_bytes() for name in PACKAGE_FILES}
    files.update({name: path.read_bytes() for name, path in VENDORED.items()})
    return archive.zip_bytes(files)


def load_template() -> dict:
    return templates.load(TEMPLATE)


def template_settings(parameters: dict | None = None) -> dict:
    """The settings local mode copies from the template (its parameters: defaults, or `parameters`)."""
    t = load_template()
    params = parameter_values(parameters)
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
        **_throttling_settings(t, params),
    }


# -- throttling: the stage's route settings and the per-source limit (issue 9) ---------------------------
THROTTLING_PARAMETERS = ("ApiThrottlingRateLimit", "ApiThrottlingBurstLimit", "RegistrationsPerSource",
                         "RegistrationWindowSeconds")
_SOURCE_LIMIT_ENV = ("SOURCE_LIMIT", "SOURCE_WINDOW_SECONDS")


def parameter_values(overrides: dict | None = None) -> dict[str, str]:
    """The template's parameters with their defaults, `overrides` applied (as strings, CloudFormation's view).

    Number parameters are checked against their MinValue/MaxValue here, as CloudFormation would."""
    declared = load_template()["Parameters"]
    unknown = set(overrides or {}) - set(declared)
    if unknown:
        raise ValueError(f"unknown template parameter(s): {sorted(unknown)}")
    values = {k: str(p["Default"]) for k, p in declared.items() if "Default" in p}
    values.update({k: str(v) for k, v in (overrides or {}).items()})
    for name, p in declared.items():
        if p.get("Type") == "Number" and name in values:
            n = float(values[name])
            if not p.get("MinValue", n) <= n <= p.get("MaxValue", n):
                raise ValueError(f"{name}={values[name]} is outside {p.get('MinValue')}..{p.get('MaxValue')}")
    return values


def _resolve(value, params: dict[str, str]):
    """`{"Ref": parameter}` replaced by the parameter's value, anywhere in `value`."""
    if isinstance(value, dict):
        if set(value) == {"Ref"} and value["Ref"] in params:
            return params[value["Ref"]]
        return {k: _resolve(v, params) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, params) for v in value]
    return value


def _route_settings(settings: dict) -> dict:
    """Route settings as the apigatewayv2 API takes them (burst an integer, rate a number)."""
    out = {}
    for key, value in settings.items():
        out[key] = int(float(value)) if key == "ThrottlingBurstLimit" else (
            float(value) if key == "ThrottlingRateLimit" else value)
    return out


def _throttling_settings(t: dict, params: dict[str, str]) -> dict:
    api = t["Resources"]["PortalApi"]["Properties"]
    table = t["Resources"]["RegistrationLimits"]["Properties"]
    env = t["Resources"]["RegisterFunction"]["Properties"]["Environment"]["Variables"]
    stage = {"DefaultRouteSettings": _route_settings(_resolve(api.get("DefaultRouteSettings", {}), params))}
    if api.get("RouteSettings"):
        stage["RouteSettings"] = {route: _route_settings(v) for route, v in
                                  _resolve(api["RouteSettings"], params).items()}
    return {
        "stage": stage,
        "limits_table": {"BillingMode": table["BillingMode"], "AttributeDefinitions": table["AttributeDefinitions"],
                         "KeySchema": table["KeySchema"],
                         "TimeToLive": table["TimeToLiveSpecification"]["AttributeName"]},
        "source_limit_env": {k: str(_resolve(env[k], params)) for k in _SOURCE_LIMIT_ENV},
    }


def _ensure_limits_table(session, ddb, event: str, settings: dict) -> str:
    """Local mode: the per-source counters table the template declares (with its TTL attribute)."""
    name = f"{event}-registration-limits"
    spec = settings["limits_table"]
    try:
        ddb.describe_table(TableName=name)
    except ddb.exceptions.ResourceNotFoundException:
        ddb.create_table(TableName=name, BillingMode=spec["BillingMode"],
                         AttributeDefinitions=spec["AttributeDefinitions"], KeySchema=spec["KeySchema"],
                         SSESpecification={"Enabled": True}, Tags=session.tag_list)
        ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={
            "Enabled": True, "AttributeName": spec["TimeToLive"]})
    return name


def _throttle(settings: dict | None) -> dict[str, float]:
    return {k: float(v) for k, v in (settings or {}).items() if k.startswith("Throttling")}


def _sync_stage(apigw, api_id: str, stage: dict) -> None:
    """Local mode: the $default stage with the template's route settings (moto has no UpdateStage, so a
    stage whose settings differ is made again)."""
    try:
        current = apigw.get_stage(ApiId=api_id, StageName="$default")
    except apigw.exceptions.NotFoundException:
        current = None
    if current is not None:
        if (_throttle(current.get("DefaultRouteSettings")) == _throttle(stage["DefaultRouteSettings"])
                and {r: _throttle(v) for r, v in (current.get("RouteSettings") or {}).items()}
                == {r: _throttle(v) for r, v in stage.get("RouteSettings", {}).items()}):
            return
        apigw.delete_stage(ApiId=api_id, StageName="$default")
    apigw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True, **stage)


def function_policy(session, names: dict[str, str], queue_arn: str, ident: EventIdentity, sender: str,
                    deepracer: DeepRacerWiring | None = None) -> dict:
    """Least privilege for both functions: these tables, this group, this sender, this secret and pool."""
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
    ] + ([
        {"Sid": "DeepRacerSecret", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
         "Resource": deepracer.secret_arn},
        {"Sid": "DeepRacerUsers", "Effect": "Allow", "Action": "cognito-idp:ListUsers",
         "Resource": f"arn:aws:cognito-idp:{region}:{acct}:userpool/{deepracer.user_pool_id}"},
    ] if deepracer else [])}


def deploy(session, event: str, ident: EventIdentity, *, sender: str, allowed_domains: str,
           display_name: str, deepracer: DeepRacerWiring, parameters: dict | None = None) -> RegistrationStack:
    """Create the stack (or find it): idempotent, returns where everything is.

    `parameters`: template parameters to set instead of their defaults (THROTTLING_PARAMETERS)."""
    if session.mode == "aws":
        return _deploy_cloudformation(session, event, ident, sender=sender, allowed_domains=allowed_domains,
                                      display_name=display_name, deepracer=deepracer, parameters=parameters)
    return _deploy_local(session, event, ident, sender=sender, allowed_domains=allowed_domains,
                         display_name=display_name, deepracer=deepracer, parameters=parameters)


def _deploy_local(session, event, ident, *, sender, allowed_domains, display_name, deepracer,
                  parameters=None) -> RegistrationStack:
    settings = template_settings(parameters)
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
    limits_table = _ensure_limits_table(session, ddb, event, settings)
    iam.put_role_policy(RoleName=role_name, PolicyName="registration", PolicyDocument=json.dumps(
        function_policy(session, {**names, "limits": limits_table}, queue_arn, ident, sender, deepracer)))
    code = package_code()
    common_env = {"RACERS_TABLE": names["racers"], "EVENT_TABLE": names["event"], "EVENT_NAME": display_name}
    functions = {
        "register": (f"{event}-register", {**common_env, "ALLOWED_DOMAINS": allowed_domains,
                                           "SOURCE_LIMIT_TABLE": limits_table, **settings["source_limit_env"]}),
        "provision": (f"{event}-provision", {**common_env, "IDENTITY_STORE_ID": ident.center.identity_store_id,
                                             "GROUP_ID": ident.group_id, "SENDER": sender, **deepracer.env()}),
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
    api_url = _ensure_api(session, apigw, lam, event, reg_name, settings["routes"], settings["stage"])
    return RegistrationStack(event, api_url, reg_name, prov_name, mapping, queue_url, queue_arn,
                             names["racers"], names["event"], stream_arn, limits_table)


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


def _ensure_api(session, apigw, lam, event: str, function: str, routes: list[str], stage: dict) -> str:
    name = f"{event}-portal"
    for api in apigw.get_apis().get("Items", []):
        if api["Name"] == name:
            _sync_stage(apigw, api["ApiId"], stage)
            return api["ApiEndpoint"]
    api = apigw.create_api(Name=name, ProtocolType="HTTP", Tags=session.tags)
    fn_arn = lam.get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    integration = apigw.create_integration(ApiId=api["ApiId"], IntegrationType="AWS_PROXY",
                                           IntegrationUri=fn_arn, PayloadFormatVersion="2.0",
                                           TimeoutInMillis=10000)
    for route in routes:
        apigw.create_route(ApiId=api["ApiId"], RouteKey=route, Target=f"integrations/{integration['IntegrationId']}")
    _sync_stage(apigw, api["ApiId"], stage)
    lam.add_permission(FunctionName=function, StatementId=f"{name}-invoke", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com",
                       SourceArn=f"arn:aws:execute-api:{session.region}:{session.account_id}:{api['ApiId']}/*")
    return api["ApiEndpoint"]


def _deploy_cloudformation(session, event, ident, *, sender, allowed_domains, display_name, deepracer,
                           parameters=None) -> RegistrationStack:
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
              "EventTable": names["event"], "RacersStreamArn": stream_arn, **deepracer.parameters()}
    if parameters:
        parameter_values(parameters)  # unknown names and out-of-range numbers fail here, not in CloudFormation
        params.update({k: str(v) for k, v in parameters.items()})
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
                             out["EventTable"], out["RacersStreamArn"], out.get("RegistrationLimitsTable", ""))


def api_id(stack: RegistrationStack) -> str:
    """The HTTP API's id from its URL: https://<id>.execute-api.<region>.amazonaws.com/ on AWS,
    http://127.0.0.1:<port>/_aws/execute-api/<id>/ locally."""
    from urllib.parse import urlsplit

    url = urlsplit(stack.api_url)
    if "/_aws/execute-api/" in url.path:
        return url.path.split("/_aws/execute-api/", 1)[1].split("/", 1)[0]
    return url.hostname.split(".", 1)[0]


def throttling(session, stack: RegistrationStack) -> list[dict]:
    """The registration API's limits as deployed (read back from API Gateway and the function, not the
    template): the stage's token bucket and the function's per-source limit."""
    stage = session.client("apigatewayv2").get_stage(ApiId=api_id(stack), StageName="$default")
    route = stage.get("DefaultRouteSettings") or {}
    env = session.client("lambda").get_function_configuration(
        FunctionName=stack.register_function)["Environment"]["Variables"]
    return [
        {"layer": "API Gateway stage", "setting": "requests per second (refill)",
         "value": route.get("ThrottlingRateLimit"), "over it": "429 Too Many Requests, function not invoked"},
        {"layer": "API Gateway stage", "setting": "burst (bucket size)", "value": route.get("ThrottlingBurstLimit"),
         "over it": "429 Too Many Requests, function not invoked"},
        {"layer": "register function", "setting": "registrations per address per window",
         "value": f"{env.get('SOURCE_LIMIT')} per {env.get('SOURCE_WINDOW_SECONDS')} s",
         "over it": "429 with Retry-After and retry_after (seconds)"},
    ]


def wait_until_processed(session, stack: RegistrationStack, timeout: float = 120.0) -> bool:
    """Local mode: block until the stream poller has caught up. aws mode: a short sleep."""
    if session.runtime is not None:
        return session.runtime.streams.wait_idle(timeout)
    time.sleep(min(timeout, 10))
    return True
