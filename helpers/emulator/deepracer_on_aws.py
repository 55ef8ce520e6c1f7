"""DeepRacer on AWS, locally: its deployment and its IAM-authorised API, written from its Smithy model.

DeepRacer on AWS (aws-solutions/deepracer-on-aws) is the AWS Solution that
replaced the DeepRacer console (retired at the end of 2025). An organiser deploys its CloudFormation
template into their own account and scripts the event through its REST API
(API Gateway with the `AWS_IAM` authoriser; callers are user-pool users with
identity-pool credentials). This stand-in gives local mode both:

* **Deployment.** `CreateStack` with the solution's published template URL
  builds what the kit talks to: a user pool (email alias, the solution's
  password policy and invitation template, its three groups, a web client
  with `USER_PASSWORD_AUTH`), an identity pool whose role mapping picks the
  admin / race-facilitator / racer role from `cognito:groups`, the three
  roles, the single table, the API, the admin user (invited by email), the
  default global settings; moto keeps a stack with those values as outputs,
  so `DescribeStacks` answers as on AWS. `DeleteStack` removes it all. (The
  real template also deploys CloudFront, WAF, SageMaker training, Step
  Functions, Kinesis Video, IoT Core: none of that exists here.)
* **The API** at `<runtime>/_aws/deepracer-on-aws/<api id>/prod/...`, for the
  operations in `helpers/deepracer_on_aws/operations.json` (the kit's record
  of the model). Each request is checked as API Gateway would: SigV4 against
  the credentials the Cognito stand-in issued (403 otherwise), the caller's
  group role against the solution's `execute-api:Invoke` allow list (403
  with IAM's message), the body against the model (400 with the gateway's
  validation message); then the operation runs: users and groups in the user
  pool (so invitation mail lands in the outbox and counts against Cognito's
  50 a day), profiles, jobs, settings and leaderboards in the table. Errors
  carry the model's status codes and `x-amzn-errortype`. BulkInviteUser
  returns 202 and works through its entries in the background, as the
  solution's Step Functions workflow does.
"""
from __future__ import annotations

import json
import re
import secrets
import string
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qsl, urlencode

from werkzeug.wrappers import Response

from helpers.emulator import moto_backends, sigv4
from helpers.emulator.gateway import Call, PathPrefix

PREFIX = "/_aws/deepracer-on-aws/"
MODEL_FILE = Path(__file__).resolve().parents[1] / "deepracer_on_aws" / "operations.json"
# The solution's launch template, as AWS Solutions publish theirs (see helpers/deepracer_on_aws).
TEMPLATE_URL = "https://solutions-reference.s3.amazonaws.com/deepracer-on-aws/latest/deepracer-on-aws.template"
INVITE_SUBJECT = "Welcome to DeepRacer on AWS"
INVITE_BODY = ("Hello,<br><br>You have been invited to join DeepRacer on AWS. Your temporary password is: {####}"
               "<br><br>You will be asked to create a new password upon successful verification.<br><br>"
               "Sign in at {site}<br><br><i>Account ID: {username}</i>")
DEFAULT_SETTINGS = {
    "registration": {"type": "invite-only"},
    "usageQuotas": {"global": {"globalComputeMinutesLimit": -1, "globalModelCountLimit": -1},
                    "newUser": {"newUserComputeMinutesLimit": 600, "newUserModelCountLimit": 3}},
}
GROUPS = ("dr-admins", "dr-race-facilitators", "dr-racers")
EMAIL = re.compile(r"^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$")
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_NANO = string.ascii_letters + string.digits


def load_model() -> dict:
    return json.loads(MODEL_FILE.read_text())


class ApiError(Exception):
    """An answer other than success: the status, the error type (x-amzn-errortype) and the body."""

    def __init__(self, status: int, error_type: str, message: str, *, body: dict | None = None) -> None:
        super().__init__(message)
        self.status, self.error_type, self.message = status, error_type, message
        self.body = body if body is not None else {"message": message}

    def response(self) -> Response:
        resp = Response(json.dumps(self.body), status=self.status, mimetype="application/json")
        if self.error_type:
            resp.headers["x-amzn-errortype"] = self.error_type
        return resp


def _bad(message: str) -> ApiError:
    return ApiError(400, "BadRequestError", message)


def _validation(message: str) -> ApiError:
    """API Gateway's request validator (the solution's BAD_REQUEST_BODY gateway response)."""
    return ApiError(400, "BadRequestException", message,
                    body={"errorMessage": f"Invalid request body: {message}"})


@dataclass
class Deployment:
    namespace: str
    account: str
    region: str
    stack_name: str
    api_id: str
    user_pool_id: str
    client_id: str
    identity_pool_id: str
    table: str
    roles: dict[str, str]  # group -> role ARN
    site_url: str
    admin_email: str
    api_url: str = ""
    jobs: dict[str, threading.Thread] = field(default_factory=dict, repr=False)


@dataclass
class Caller:
    profile_id: str
    username: str
    groups: tuple[str, ...]
    role_arn: str

    @property
    def admin(self) -> bool:
        return "dr-admins" in self.groups


class DeepRacerOnAwsStandIn:
    def __init__(self, runtime) -> None:
        self.runtime = runtime
        self.model = load_model()
        self._deployments: dict[str, Deployment] = {}  # api id -> deployment
        self._lock = threading.RLock()
        self._routes = [(spec["method"], _path_regex(spec["path"]), name, spec)
                        for name, spec in self.model["operations"].items()]
        self._handlers: dict[str, Callable[[Deployment, Caller, dict], tuple[int, dict]]] = {
            name: getattr(self, "op_" + _snake(name)) for name in self.model["operations"]}

    def reset(self) -> None:
        with self._lock:
            self._deployments.clear()

    def routes(self) -> dict:
        return {PathPrefix(PREFIX): self.serve_call,
                ("cloudformation", "CreateStack"): self.create_stack_call,
                ("cloudformation", "DeleteStack"): self.delete_stack_call}

    def deployments(self) -> list[Deployment]:
        return list(self._deployments.values())

    # == deployment ==============================================================================
    def create_stack_call(self, call: Call, forward) -> Response | None:
        form = dict(parse_qsl(call.body.decode("utf-8", "replace"), keep_blank_values=True))
        if form.get("TemplateURL") != TEMPLATE_URL:
            return None  # any other template: moto's CloudFormation
        params = {form[k]: form.get(k.replace("ParameterKey", "ParameterValue"), "")
                  for k in form if k.startswith("Parameters.member.") and k.endswith(".ParameterKey")}
        spec = self.model["template"]["parameters"]
        params.setdefault("Namespace", "deepracer")
        params.setdefault("CustomDomain", "")
        for name in params:
            if name not in spec:
                return _cfn_error(f"Parameters: [{name}] do not exist in the template")
        if "AdminEmail" not in params:
            return _cfn_error("Parameters: [AdminEmail] must have values")
        for name, pattern in spec.items():
            if not re.fullmatch(pattern, params.get(name, "")):
                return _cfn_error(f"Parameter '{name}' must match pattern {pattern}")
        account = self._account_of(call)
        ns = params["Namespace"]
        if any(d.namespace == ns and d.account == account and d.region == call.region
               for d in self._deployments.values()):
            return _cfn_error(f"Stack [{form.get('StackName')}] already exists", code="AlreadyExistsException")
        tags = {form[k]: form.get(k.replace(".Key", ".Value"), "")
                for k in form if k.startswith("Tags.member.") and k.endswith(".Key")}
        dep = self._deploy(account, call.region, form.get("StackName", ""), ns, params["AdminEmail"], tags)
        outputs = {"ApiEndpoint": dep.api_url, "UserPoolUserPoolId7E6A2F4B": dep.user_pool_id,
                   "UserPoolUserPoolClientId9C1D3E5F": dep.client_id,
                   "UserPoolIdentityPoolId2B4D6F8A": dep.identity_pool_id,
                   "WebsiteCloudFrontUrl5A7C9E1B": dep.site_url}
        template = {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": "DeepRacer on AWS (local stand-in: the resources live in the emulator)",
            "Parameters": {k: {"Type": "String"} for k in spec},
            "Resources": {"ApiEndpointParameter": {"Type": "AWS::SSM::Parameter", "Properties": {
                "Name": f"/deepracer-on-aws/{ns}/api-endpoint", "Type": "String", "Value": dep.api_url}}},
            "Outputs": {k: {"Value": v} for k, v in outputs.items()},
        }
        form.pop("TemplateURL")
        form["TemplateBody"] = json.dumps(template)
        i = 1 + sum(1 for k in form if k.startswith("Parameters.member.") and k.endswith(".ParameterKey"))
        for name in ("Namespace", "CustomDomain"):
            if name not in form.values():
                form[f"Parameters.member.{i}.ParameterKey"], form[f"Parameters.member.{i}.ParameterValue"] = (
                    name, params[name])
                i += 1
        call.body = urlencode(form).encode()
        response = forward(call)
        if response.status_code >= 300:
            self._teardown(dep)
        return response

    def delete_stack_call(self, call: Call, forward) -> Response:
        form = dict(parse_qsl(call.body.decode("utf-8", "replace")))
        name = form.get("StackName", "")
        response = forward(call)
        if response.status_code < 300:
            for dep in list(self._deployments.values()):
                if name in (dep.stack_name,) or name.startswith("arn:") and f"/{dep.stack_name}/" in name:
                    self._teardown(dep)
        return response

    def _account_of(self, call: Call) -> str:
        try:
            who, _ = sigv4.parse(call.headers)
        except sigv4.SignatureError:
            return self.runtime.account_id
        return moto_backends.account_for(who.access_key_id)

    def _client(self, service: str, region: str):
        return self.runtime.client(service, region)

    def _deploy(self, account: str, region: str, stack: str, ns: str, admin_email: str,
                tags: dict[str, str]) -> Deployment:
        idp, ci, iam, ddb = (self._client(s, region) for s in ("cognito-idp", "cognito-identity", "iam", "dynamodb"))
        api_id = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(10))
        site = f"https://d{api_id}.cloudfront.net"
        pool = idp.create_user_pool(
            PoolName=f"{ns}-DeepRacerIndyUserPool", AliasAttributes=["email"],
            Policies={"PasswordPolicy": {"MinimumLength": 8, "RequireUppercase": True, "RequireLowercase": True,
                                         "RequireNumbers": True, "RequireSymbols": True}},
            AdminCreateUserConfig={"AllowAdminCreateUserOnly": True, "InviteMessageTemplate": {
                "EmailSubject": INVITE_SUBJECT, "EmailMessage": INVITE_BODY.replace("{site}", site)}},
            EmailConfiguration={"EmailSendingAccount": "COGNITO_DEFAULT"}, UserPoolTags=tags)["UserPool"]
        for g in GROUPS:
            idp.create_group(UserPoolId=pool["Id"], GroupName=g, Description=f"DeepRacer on AWS - {g}")
        client = idp.create_user_pool_client(
            UserPoolId=pool["Id"], ClientName="WebClient",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])[
            "UserPoolClient"]
        provider = f"cognito-idp.{region}.amazonaws.com/{pool['Id']}"
        ipool = ci.create_identity_pool(
            IdentityPoolName=f"{ns}-dr-idp", AllowUnauthenticatedIdentities=False,
            CognitoIdentityProviders=[{"ProviderName": provider, "ClientId": client["ClientId"]}],
            IdentityPoolTags=tags)
        trust = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": ipool["IdentityPoolId"]},
                          "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}}}]})
        roles = {}
        for group, role in zip(GROUPS, ("AdminRole", "RaceFacilitatorRole", "RacerRole")):
            roles[group] = iam.create_role(RoleName=f"{ns}-DeepRacerIndy-{role}", AssumeRolePolicyDocument=trust,
                                           Tags=[{"Key": k, "Value": v} for k, v in tags.items()])["Role"]["Arn"]
        ci.set_identity_pool_roles(IdentityPoolId=ipool["IdentityPoolId"], Roles={}, RoleMappings={
            f"{provider}:{client['ClientId']}": {
                "Type": "Rules", "AmbiguousRoleResolution": "Deny",
                "RulesConfiguration": {"Rules": [{"Claim": "cognito:groups", "MatchType": "Contains", "Value": g,
                                                  "RoleARN": roles[g]} for g in GROUPS]}}})
        table = f"{ns}-DeepRacerIndy"
        ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                               {"AttributeName": "sk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                    {"AttributeName": "sk", "KeyType": "RANGE"}],
                         Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
        dep = Deployment(namespace=ns, account=account, region=region, stack_name=stack, api_id=api_id,
                         user_pool_id=pool["Id"], client_id=client["ClientId"],
                         identity_pool_id=ipool["IdentityPoolId"], table=table, roles=roles, site_url=site,
                         admin_email=admin_email)
        dep.api_url = f"{self.runtime.endpoint_url}{PREFIX}{api_id}/{self.model['stage']}/"
        with self._lock:
            self._deployments[api_id] = dep
        self._put(dep, "SETTINGS", "GLOBAL", DEFAULT_SETTINGS)
        self._create_user(dep, admin_email, "dr-admins")  # the solution's custom resource invites the admin
        return dep

    def _teardown(self, dep: Deployment) -> None:
        """Everything `_deploy` made; missing pieces are skipped (a half-failed deployment)."""
        with self._lock:
            self._deployments.pop(dep.api_id, None)
        idp, ci, iam, ddb = (self._client(s, dep.region) for s in
                             ("cognito-idp", "cognito-identity", "iam", "dynamodb"))
        for step in (lambda: idp.delete_user_pool(UserPoolId=dep.user_pool_id),
                     lambda: ci.delete_identity_pool(IdentityPoolId=dep.identity_pool_id),
                     lambda: ddb.delete_table(TableName=dep.table),
                     *[(lambda arn=arn: iam.delete_role(RoleName=arn.rsplit("/", 1)[-1]))
                       for arn in dep.roles.values()]):
            try:
                step()
            except Exception:  # noqa: BLE001 - already gone
                pass

    # == the table ===============================================================================
    def _put(self, dep: Deployment, pk: str, sk: str, doc: dict) -> None:
        self._client("dynamodb", dep.region).put_item(TableName=dep.table, Item={
            "pk": {"S": pk}, "sk": {"S": sk}, "doc": {"S": json.dumps(doc)}})

    def _get(self, dep: Deployment, pk: str, sk: str) -> dict | None:
        item = self._client("dynamodb", dep.region).get_item(
            TableName=dep.table, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True).get("Item")
        return json.loads(item["doc"]["S"]) if item else None

    def _delete(self, dep: Deployment, pk: str, sk: str) -> None:
        self._client("dynamodb", dep.region).delete_item(TableName=dep.table,
                                                         Key={"pk": {"S": pk}, "sk": {"S": sk}})

    def _all(self, dep: Deployment, sk: str) -> list[dict]:
        ddb = self._client("dynamodb", dep.region)
        out, kwargs = [], {"TableName": dep.table, "FilterExpression": "sk = :s",
                           "ExpressionAttributeValues": {":s": {"S": sk}}}
        while True:
            page = ddb.scan(**kwargs)
            out += [json.loads(i["doc"]["S"]) for i in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return out
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # == users and profiles ======================================================================
    def _pool(self, dep: Deployment):
        return moto_backends.cognito_user_pool(dep.account, dep.region, dep.user_pool_id)

    def _user_by_email(self, dep: Deployment, email: str):
        want = email.strip().casefold()
        pool = self._pool(dep)
        return next((u for u in list(pool.users.values())
                     if (u.attribute_lookup.get("email") or "").casefold() == want), None)

    def _settings(self, dep: Deployment) -> dict:
        return self._get(dep, "SETTINGS", "GLOBAL") or json.loads(json.dumps(DEFAULT_SETTINGS))

    def _create_user(self, dep: Deployment, email: str, group: str = "dr-racers",
                     alias: str | None = None) -> dict:
        """CreateProfile's steps (user with email, invitation, group), then the pre-sign-up trigger's profile.

        Raises ApiError(400) when the address exists, or the Cognito error (e.g. the daily email limit)."""
        if self._user_by_email(dep, email) is not None:
            raise _bad("A user with this email address already exists.")
        username = "".join(secrets.choice(_NANO) for _ in range(15))
        idp = self._client("cognito-idp", dep.region)
        try:
            idp.admin_create_user(UserPoolId=dep.user_pool_id, Username=username, DesiredDeliveryMediums=["EMAIL"],
                                  UserAttributes=[{"Name": "email", "Value": email},
                                                  {"Name": "email_verified", "Value": "true"}])
        except idp.exceptions.LimitExceededException as exc:
            raise ApiError(500, "InternalFailureError", f"Unable to create profile: {exc.response['Error']['Message']}",
                           body={"message": "Unable to create profile. Please try again.",
                                 "cause": exc.response["Error"]["Code"]}) from None
        idp.admin_add_user_to_group(UserPoolId=dep.user_pool_id, Username=username, GroupName=group)
        quotas = self._settings(dep)["usageQuotas"]["newUser"]
        profile = {"profileId": username, "alias": alias or f"racer-{username[:6].lower()}", "avatar": {},
                   "emailAddress": email, "computeMinutesUsed": 0, "computeMinutesQueued": 0,
                   "maxTotalComputeMinutes": quotas["newUserComputeMinutesLimit"], "modelCount": 0,
                   "maxModelCount": quotas["newUserModelCountLimit"], "modelStorageUsage": 0,
                   "roleName": group, "createdAt": _now_iso()}
        self._put(dep, f"PROFILE#{username}", "PROFILE", profile)
        return profile

    def _profile(self, dep: Deployment, profile_id: str) -> dict:
        if not re.fullmatch(self.model["constraints"]["ResourceIdentifier"], profile_id or ""):
            raise _validation(f"profileId must match {self.model['constraints']['ResourceIdentifier']}")
        profile = self._get(dep, f"PROFILE#{profile_id}", "PROFILE")
        if profile is None:
            raise ApiError(404, "NotFoundError", "Profile not found.")
        return profile

    # == serving =================================================================================
    def serve_call(self, call: Call, forward) -> Response:
        try:
            return self._serve(call)
        except ApiError as exc:
            return exc.response()

    def _serve(self, call: Call) -> Response:
        rest = call.path[len(PREFIX):]
        api_id, _, rest = rest.partition("/")
        stage, _, path = rest.partition("/")
        dep = self._deployments.get(api_id)
        if dep is None or stage != self.model["stage"]:
            raise ApiError(403, "MissingAuthenticationTokenException", "Missing Authentication Token",
                           body={"message": "Missing Authentication Token"})
        path = "/" + path
        caller = self._authenticate(call, dep)
        name, spec, labels = self._route(call.method, path)
        self._authorize(dep, caller, call.method, path)
        params = self._params(call, spec, labels)
        status, body = self._handlers[name](dep, caller, params)
        resp = Response(json.dumps(body), status=status, mimetype="application/json")
        resp.headers["x-amzn-RequestId"] = str(uuid.uuid4())
        return resp

    def _authenticate(self, call: Call, dep: Deployment) -> Caller:
        try:
            who, _ = sigv4.parse(call.headers)
        except sigv4.SignatureError as exc:
            raise ApiError(403, "MissingAuthenticationTokenException" if "Missing" in exc.message
                           else "IncompleteSignatureException", exc.message, body={"message": exc.message})
        issued = self.runtime.cognito.issued(who.access_key_id)
        from helpers.emulator import ACCESS_KEY, SECRET_KEY

        if issued is not None:
            secret = issued.secret_key
            if who.session_token != issued.session_token:
                raise ApiError(403, "UnrecognizedClientException",
                               "The security token included in the request is invalid.")
        elif who.access_key_id == ACCESS_KEY:
            secret = SECRET_KEY
        else:
            raise ApiError(403, "UnrecognizedClientException",
                           "The security token included in the request is invalid.")
        query = f"?{urlencode(call.query)}" if call.query else ""
        url = f"http://{call.headers.get('host', '')}{call.path}{query}"
        try:
            sigv4.verify(call.method, url, call.headers, call.body, secret)
        except sigv4.SignatureError as exc:
            raise ApiError(403, "InvalidSignatureException", exc.message)
        if who.service != "execute-api":
            raise ApiError(403, "InvalidSignatureException",
                           f"Credential should be scoped to correct service: 'execute-api'.")
        if issued is None or issued.identity_pool_id != dep.identity_pool_id:
            raise ApiError(403, "NotAuthorizedError", "Sign in as a DeepRacer on AWS user (user pool, then identity "
                                                     "pool credentials) to call this API.")
        user = self._pool(dep).users.get(issued.username)
        if user is None:
            raise ApiError(403, "NotAuthorizedError", "User does not exist.")
        groups = tuple(g.group_name for g in user.groups)
        return Caller(profile_id=user.username, username=user.username, groups=groups, role_arn=issued.role_arn)

    def _route(self, method: str, path: str) -> tuple[str, dict, dict]:
        best = None
        for m, regex, name, spec in self._routes:
            match = regex.match(path)
            if m == method and match:
                literal = len(re.sub(r"\{[^}]+\}", "", spec["path"]))
                if best is None or literal > best[0]:
                    best = (literal, name, spec, match.groupdict())
        if best is None:
            raise ApiError(403, "MissingAuthenticationTokenException", "Missing Authentication Token",
                           body={"message": "Missing Authentication Token"})
        return best[1], best[2], best[3]

    def _authorize(self, dep: Deployment, caller: Caller, method: str, path: str) -> None:
        """The group role's execute-api:Invoke allow list (IAM's answer when it is not allowed)."""
        group = next((g for g, arn in dep.roles.items() if arn == caller.role_arn), None)
        allowed = self.model["roles"].get(group or "", [])
        if allowed == "every method and path":
            return
        for entry in allowed:
            m, _, pattern = entry.partition(" ")
            if m == method and re.fullmatch(re.escape(pattern).replace(r"\*", "[^/]+"), path):
                return
        resource = (f"arn:aws:execute-api:{dep.region}:{dep.account}:{dep.api_id}/{self.model['stage']}/"
                    f"{method}{path}")
        message = (f"User: arn:aws:sts::{dep.account}:assumed-role/{caller.role_arn.rsplit('/', 1)[-1]}/"
                   f"CognitoIdentityCredentials is not authorized to perform: execute-api:Invoke on resource: "
                   f"{resource}")
        raise ApiError(403, "AccessDeniedException", message, body={"Message": message})

    def _params(self, call: Call, spec: dict, labels: dict) -> dict:
        params: dict = {}
        if call.body:
            try:
                params = json.loads(call.body)
            except ValueError:
                raise _validation("the body is not JSON") from None
            if not isinstance(params, dict):
                raise _validation("the body must be a JSON object")
        params.update({k: v for k, v in call.query.items()})
        from urllib.parse import unquote

        params.update({k: unquote(v) for k, v in labels.items()})
        missing = [r for r in spec["required"] if r not in params]
        if missing:
            raise _validation(f"object has missing required properties ({json.dumps(missing)})")
        return params

    # == operations ==============================================================================
    def _require_admin(self, caller: Caller) -> None:
        if not caller.admin:
            raise ApiError(403, "NotAuthorizedError", "You are not authorized to perform this operation.")

    def op_create_profile(self, dep, caller, p):
        email = p["emailAddress"]
        if not isinstance(email, str) or not EMAIL.match(email):
            raise _bad("Invalid email address format.")
        self._create_user(dep, email)
        return 200, {"message": "Profile created successfully. Check your email for login instructions."}

    def op_get_profile(self, dep, caller, p):
        return 200, {"profile": self._profile(dep, caller.profile_id)}

    def op_update_profile(self, dep, caller, p):
        target = p.get("profileId") or caller.profile_id
        if target != caller.profile_id:
            self._require_admin(caller)
        profile = self._profile(dep, target)
        for key in ("maxTotalComputeMinutes", "maxModelCount", "computeMinutesUsed", "computeMinutesQueued"):
            if key in p:
                value = p[key]
                if not isinstance(value, int) or isinstance(value, bool) or value < -1 or (
                        key.startswith("compute") and value < 0):
                    raise _validation(f"{key} must be an integer" + (" >= 0" if key.startswith("compute")
                                                                     else " >= -1 (-1: unlimited)"))
                if key.startswith("compute") and not caller.admin:
                    raise ApiError(403, "NotAuthorizedError", f"Only an admin can change {key}.")
                if key.startswith("max") and not caller.admin:
                    raise ApiError(403, "NotAuthorizedError", f"Only an admin can change {key}.")
                profile[key] = value
        if "alias" in p:
            if not isinstance(p["alias"], str) or not re.fullmatch(r"[\w-]{2,64}", p["alias"]):
                raise _validation("alias must match ^[\\w-]+$ and be 2 to 64 characters")
            profile["alias"] = p["alias"]
        if "avatar" in p:
            profile["avatar"] = p["avatar"]
        self._put(dep, f"PROFILE#{target}", "PROFILE", profile)
        return 200, {"profile": profile}

    def op_list_profiles(self, dep, caller, p):
        self._require_admin(caller)
        profiles = sorted(self._all(dep, "PROFILE"), key=lambda x: (x["createdAt"], x["profileId"]))
        start = int(p.get("token") or 0) if str(p.get("token") or "0").isdigit() else 0
        page = profiles[start:start + 100]
        out = {"profiles": page}
        if start + 100 < len(profiles):
            out["token"] = str(start + 100)
        return 200, out

    def op_delete_profile(self, dep, caller, p):
        self._require_admin(caller)
        profile = self._profile(dep, p["profileId"])
        if profile["profileId"] == caller.profile_id:
            raise _bad("You cannot delete your own profile.")
        idp = self._client("cognito-idp", dep.region)
        try:
            idp.admin_delete_user(UserPoolId=dep.user_pool_id, Username=profile["profileId"])
        except idp.exceptions.UserNotFoundException:
            pass
        self._delete(dep, f"PROFILE#{profile['profileId']}", "PROFILE")
        return 200, {}

    def op_update_group_membership(self, dep, caller, p):
        self._require_admin(caller)
        group = p["targetUserPoolGroup"]
        if group not in GROUPS:
            raise _validation(f"targetUserPoolGroup must be one of {list(GROUPS)}")
        profile = self._profile(dep, p["profileId"])
        idp = self._client("cognito-idp", dep.region)
        for g in GROUPS:
            if g != group:
                idp.admin_remove_user_from_group(UserPoolId=dep.user_pool_id, Username=profile["profileId"],
                                                 GroupName=g)
        idp.admin_add_user_to_group(UserPoolId=dep.user_pool_id, Username=profile["profileId"], GroupName=group)
        profile["roleName"] = group
        self._put(dep, f"PROFILE#{profile['profileId']}", "PROFILE", profile)
        return 200, {}

    def op_resend_invite(self, dep, caller, p):
        self._require_admin(caller)
        profile = self._profile(dep, p["profileId"])
        user = self._pool(dep).users.get(profile["profileId"])
        if user is None:
            raise ApiError(404, "NotFoundError", "User not found.")
        if user.status != "FORCE_CHANGE_PASSWORD":
            raise ApiError(409, "ConflictError", "The user has already accepted the invitation.")
        idp = self._client("cognito-idp", dep.region)
        idp.admin_create_user(UserPoolId=dep.user_pool_id, Username=user.username, MessageAction="RESEND",
                              DesiredDeliveryMediums=["EMAIL"])
        return 200, {"message": "Invitation resent."}

    # -- bulk invite (the solution's Step Functions workflow, as a thread) ---------------------------
    def op_bulk_invite_user(self, dep, caller, p):
        self._require_admin(caller)
        entries = p["profiles"]
        limits = self.model["constraints"]
        if not isinstance(entries, list) or not limits["BulkInviteEntryList"]["min"] <= len(entries) <= \
                limits["BulkInviteEntryList"]["max"]:
            raise _validation(f"profiles must hold {limits['BulkInviteEntryList']['min']} to "
                              f"{limits['BulkInviteEntryList']['max']} entries (got "
                              f"{len(entries) if isinstance(entries, list) else type(entries).__name__})")
        for i, e in enumerate(entries):
            email = e.get("emailAddress") if isinstance(e, dict) else None
            if not isinstance(email, str) or not 1 <= len(email) <= 254:
                raise _validation(f"profiles[{i}].emailAddress is required, 1 to 254 characters")
            if len(e.get("displayName") or "") > 128:
                raise _validation(f"profiles[{i}].displayName is at most 128 characters")
        token = p.get("clientToken")
        if token is not None and not re.fullmatch(limits["clientToken"], str(token)):
            raise _validation(f"clientToken must match {limits['clientToken']}")
        with self._lock:
            jobs = [j for j in self._all(dep, "BULKJOB") if j["adminProfileId"] == caller.profile_id]
            if token is not None:
                same = next((j for j in jobs if j.get("clientToken") == token), None)
                if same is not None:
                    return 202, {"jobId": same["jobId"], "status": same["status"],
                                 "totalEntries": same["totalEntries"]}
            if any(j["status"] == "PROCESSING" for j in jobs):
                raise ApiError(409, "ConflictError", "A bulk invite job is already in progress. Wait for it to "
                                                     "finish before starting another.")
            job = {"jobId": _ulid(), "adminProfileId": caller.profile_id, "clientToken": token,
                   "status": "PROCESSING", "totalEntries": len(entries), "processedCount": 0, "createdCount": 0,
                   "skippedCount": 0, "failedCount": 0, "results": [], "createdAt": _now_iso()}
            self._put(dep, f"BULKJOB#{job['jobId']}", "BULKJOB", job)
        worker = threading.Thread(target=self._run_bulk, args=(dep, job, entries), daemon=True,
                                  name=f"bulk-invite-{job['jobId']}")
        dep.jobs[job["jobId"]] = worker
        worker.start()
        return 202, {"jobId": job["jobId"], "status": "PROCESSING", "totalEntries": len(entries)}

    def _run_bulk(self, dep: Deployment, job: dict, entries: list[dict]) -> None:
        try:
            for e in entries:
                email, name = e["emailAddress"], e.get("displayName")
                result = {"emailAddress": email, **({"displayName": name} if name else {})}
                if not EMAIL.match(email):
                    result.update(status="FAILED", reason="Invalid email address format.")
                else:
                    try:
                        self._create_user(dep, email)
                        result["status"] = "CREATED"
                    except ApiError as exc:
                        exists = exc.status == 400
                        result.update(status="SKIPPED" if exists else "FAILED",
                                      reason=exc.message if exists else exc.body.get("cause", exc.message))
                    except Exception as exc:  # noqa: BLE001 - recorded per entry, as the workflow's Catch does
                        result.update(status="FAILED", reason=f"{type(exc).__name__}: {exc}")
                key = {"CREATED": "createdCount", "SKIPPED": "skippedCount", "FAILED": "failedCount"}[result["status"]]
                job[key] += 1
                job["processedCount"] += 1
                job["results"].append(result)
                self._put(dep, f"BULKJOB#{job['jobId']}", "BULKJOB", job)
            job["status"] = "COMPLETED"
        except Exception as exc:  # noqa: BLE001 - the job itself failed
            job["status"], job["errorMessage"] = "FAILED", f"{type(exc).__name__}: {exc}"
        try:
            self._put(dep, f"BULKJOB#{job['jobId']}", "BULKJOB", job)
        except Exception:  # noqa: BLE001 - the deployment was deleted meanwhile
            pass

    def _job(self, dep, caller, job_id: str) -> dict:
        if not re.fullmatch(self.model["constraints"]["BulkInviteJobId"], job_id or ""):
            raise _validation(f"jobId must match {self.model['constraints']['BulkInviteJobId']}")
        job = self._get(dep, f"BULKJOB#{job_id}", "BULKJOB")
        if job is None or job["adminProfileId"] != caller.profile_id:
            raise ApiError(404, "NotFoundError", "Bulk invite job not found.")
        return job

    def op_get_bulk_invite_user_job_status(self, dep, caller, p):
        self._require_admin(caller)
        job = self._job(dep, caller, p["jobId"])
        return 200, {k: v for k, v in job.items() if k not in ("jobId", "adminProfileId", "clientToken", "createdAt")}

    def op_list_bulk_invite_user_jobs(self, dep, caller, p):
        self._require_admin(caller)
        jobs = sorted((j for j in self._all(dep, "BULKJOB") if j["adminProfileId"] == caller.profile_id),
                      key=lambda j: j["createdAt"], reverse=True)[:20]
        keep = ("jobId", "status", "totalEntries", "processedCount", "createdCount", "skippedCount", "failedCount",
                "createdAt")
        return 200, {"jobs": [{k: j[k] for k in keep} for j in jobs]}

    # -- settings ------------------------------------------------------------------------------------
    def op_get_global_setting(self, dep, caller, p):
        key = p["key"]
        value = _dig(self._settings(dep), key)
        if key not in self.model["constraints"]["settingKeys"] or value is _MISSING:
            raise ApiError(404, "NotFoundError", f"Setting {key} not found.")
        return 200, {"value": value}

    def op_update_global_setting(self, dep, caller, p):
        self._require_admin(caller)
        key, value = p["key"], p["value"]
        settings = self._settings(dep)
        if key not in self.model["constraints"]["settingKeys"]:
            raise _bad("Invalid request structure")
        candidate = json.loads(json.dumps(settings))
        _set(candidate, key, value)
        problem = _check_settings(candidate, self.model["constraints"]["registrationTypes"])
        if problem:
            raise _bad(f"Invalid request structure: {problem}")
        self._put(dep, "SETTINGS", "GLOBAL", candidate)
        return 200, {}

    # -- leaderboards --------------------------------------------------------------------------------
    def _check_definition(self, d: dict) -> dict:
        c = self.model["constraints"]
        if not isinstance(d, dict):
            raise _validation("leaderboardDefinition must be an object")
        missing = [k for k in ("name", "openTime", "closeTime", "trackConfig", "raceType", "maxSubmissionsPerUser",
                               "resettingBehaviorConfig", "submissionTerminationConditions", "timingMethod")
                   if k not in d]
        if missing:
            raise _validation(f"leaderboardDefinition has missing required properties ({json.dumps(missing)})")
        if not isinstance(d["name"], str) or not 1 <= len(d["name"]) <= 64 or not d["name"].strip():
            raise _validation("name must be 1 to 64 characters, not only spaces")
        try:
            opens, closes = (datetime.fromisoformat(str(d[k]).replace("Z", "+00:00")) for k in ("openTime",
                                                                                                 "closeTime"))
        except ValueError:
            raise _validation("openTime and closeTime must be ISO 8601 date-times") from None
        if closes <= opens:
            raise _bad("closeTime must be after openTime.")
        track = d["trackConfig"] if isinstance(d["trackConfig"], dict) else {}
        if track.get("trackId") not in c["TrackIds"] or track.get("trackDirection") not in c["TrackDirection"]:
            raise _validation("trackConfig needs a trackId of the model's TrackId enum and a trackDirection of "
                              f"{c['TrackDirection']}")
        if d["raceType"] not in c["RaceType"] or d["timingMethod"] not in c["TimingMethod"]:
            raise _validation(f"raceType must be one of {c['RaceType']} and timingMethod one of {c['TimingMethod']}")
        if not isinstance(d["maxSubmissionsPerUser"], int) or d["maxSubmissionsPerUser"] < 0:
            raise _validation("maxSubmissionsPerUser must be a non-negative integer")
        return d

    def op_create_leaderboard(self, dep, caller, p):
        d = self._check_definition(p["leaderboardDefinition"])
        board = {**d, "leaderboardId": "".join(secrets.choice(_NANO) for _ in range(15)), "participantCount": 0}
        self._put(dep, f"LEADERBOARD#{board['leaderboardId']}", "LEADERBOARD", board)
        return 200, {"leaderboardId": board["leaderboardId"]}

    def _board(self, dep, board_id: str) -> dict:
        if not re.fullmatch(self.model["constraints"]["ResourceIdentifier"], board_id or ""):
            raise _validation(f"leaderboardId must match {self.model['constraints']['ResourceIdentifier']}")
        board = self._get(dep, f"LEADERBOARD#{board_id}", "LEADERBOARD")
        if board is None:
            raise ApiError(404, "NotFoundError", "Leaderboard not found.")
        return board

    def op_get_leaderboard(self, dep, caller, p):
        return 200, {"leaderboard": self._board(dep, p["leaderboardId"])}

    def op_edit_leaderboard(self, dep, caller, p):
        board = self._board(dep, p["leaderboardId"])
        board.update(self._check_definition(p["leaderboardDefinition"]))
        self._put(dep, f"LEADERBOARD#{board['leaderboardId']}", "LEADERBOARD", board)
        return 200, {"leaderboard": board}

    def op_list_leaderboards(self, dep, caller, p):
        return 200, {"leaderboards": sorted(self._all(dep, "LEADERBOARD"), key=lambda b: b["openTime"])}

    def op_delete_leaderboard(self, dep, caller, p):
        self._board(dep, p["leaderboardId"])
        self._delete(dep, f"LEADERBOARD#{p['leaderboardId']}", "LEADERBOARD")
        return 200, {}

    # -- reward functions ----------------------------------------------------------------------------
    def op_test_reward_function(self, dep, caller, p):
        code, track = p["rewardFunction"], p["trackConfig"]
        c = self.model["constraints"]
        if not isinstance(code, str) or not c["RewardFunctionCode"]["min"] <= len(code) <= \
                c["RewardFunctionCode"]["max"]:
            raise _validation(f"rewardFunction must be 1 to {c['RewardFunctionCode']['max']} characters")
        if not isinstance(track, dict) or track.get("trackId") not in c["TrackIds"]:
            raise _validation("trackConfig needs a trackId of the model's TrackId enum")
        validator = getattr(self.runtime, "reward_validator", None)
        if validator is None:
            raise ApiError(500, "InternalFailureError", "The reward function validator is not configured in this "
                                                        "runtime (start it with reward_validator=...).")
        # The solution runs its validator in an isolated Lambda; the kit's runs the code in a child process.
        return 200, {"errors": reward_errors(validator(code), code)}


def reward_errors(problems: list[str], code: str) -> list[dict]:
    """A validator's findings ("line 3: syntax error: ...") in the model's RewardFunctionError shape."""
    errors = []
    for message in problems:
        m = re.match(r"line (\d+): (.*)", message)
        kind = ("SYNTAX_ERROR" if "syntax error" in message else
                "IMPORT_ERROR" if "import" in message else "TEST_FAILURE")
        error = {"type": kind, "message": m.group(2) if m else message}
        if m:
            number = int(m.group(1))
            lines = code.splitlines()
            error["lineNumber"] = number
            if 0 < number <= len(lines):
                error["line"] = lines[number - 1]
        errors.append(error)
    return errors


# -- small pieces -------------------------------------------------------------------------------------
_MISSING = object()


def _dig(doc: dict, key: str):
    node = doc
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


def _set(doc: dict, key: str, value) -> None:
    parts = key.split(".")
    node = doc
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _check_settings(s: dict, registration_types: list[str]) -> str:
    if (s.get("registration") or {}).get("type") not in registration_types:
        return f"registration.type must be one of {registration_types}"
    quotas = s.get("usageQuotas") or {}
    for group, keys in (("global", ("globalComputeMinutesLimit", "globalModelCountLimit")),
                        ("newUser", ("newUserComputeMinutesLimit", "newUserModelCountLimit"))):
        for k in keys:
            v = (quotas.get(group) or {}).get(k)
            if v is None and group == "global":
                continue
            if not isinstance(v, int) or isinstance(v, bool) or v < -1:
                return f"usageQuotas.{group}.{k} must be an integer >= -1"
    return ""


def _path_regex(path: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path)) + "/?$")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _ulid() -> str:
    ms = int(time.time() * 1000)
    head = "".join(_CROCKFORD[(ms >> (5 * i)) & 31] for i in reversed(range(10)))
    return head + "".join(secrets.choice(_CROCKFORD) for _ in range(16))


def _now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _cfn_error(message: str, code: str = "ValidationError") -> Response:
    body = (f'<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type>'
            f"<Code>{code}</Code><Message>{message}</Message></Error><RequestId>{uuid.uuid4()}</RequestId>"
            f"</ErrorResponse>")
    return Response(body, status=400, mimetype="text/xml")


