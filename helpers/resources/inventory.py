"""What the workshop created: an inventory by tag, service by service.

Every resource a lab creates carries `workshop=ml-events` and `event=<name>`
(see `helpers.tagging`). `list_resources` finds them across the services the
labs use and returns one `Resource` per thing, which `helpers.cleanup` then
deletes in dependency order.

How each kind is found (`Resource.found_by`):

* ``tag`` - the service lists it with its tags (most kinds);
* ``name`` - the API keeps no tags the workshop can read, so the labs'
  naming conventions find it: identity-store groups are ``<event>-racers``
  (`helpers.identity`), budgets ``<event>-deepracer`` (`helpers.spend`),
  Lambda log groups ``/aws/lambda/<event>-*``;
* ``parent`` - it belongs to a tagged (or named) resource: event source
  mappings of workshop functions, members of the event's racer group, racers'
  identity-store users (members of the group, or `user_id`s in the event's
  roster table), lifecycle configs of workshop notebook instances, the home
  file system (EFS) and user profiles/apps of a workshop Studio domain;
* ``tagging-api`` - aws mode only: anything else the Resource Groups Tagging
  API knows with the workshop tags, listed so that nothing tagged is missed
  (the cleanup reports it for a person to delete).

Naming-convention lookups need event names. With ``event=None`` (every event
of the workshop) they use the event names seen in tags; pass ``event``
explicitly to find an event's untagged leftovers once its tagged resources
are gone.

Local mode lists per service only: moto's Resource Groups Tagging API covers
a few services. Where the service (or the local emulator) lacks an API, the
inventory records a `Gap` with the reason instead of failing
(`Inventory.gaps`): e.g. moto 5.2 does not implement Studio user profiles.
KMS keys already scheduled for deletion count as gone and are left out.
"""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from botocore.exceptions import BotoCoreError, ClientError

from helpers.tagging import EVENT_TAG, WORKSHOP_TAG, WORKSHOP_VALUE

BILLING_REGION = "us-east-1"


@dataclass
class Resource:
    """One thing the workshop created."""

    service: str          # the boto3 client name: "sagemaker", "ec2", "identitystore", ...
    kind: str             # "endpoint", "vpc", "group-membership", ...
    name: str             # what a person recognises
    id: str               # what the delete call takes (name, id, URL or ARN)
    arn: str = ""         # the ARN when the resource has one
    tags: dict[str, str] = field(default_factory=dict)
    region: str = ""
    found_by: str = "tag"  # tag | name | parent | tagging-api
    parent: str = ""      # the resource it belongs to (function of a mapping, group of a membership...)
    state: str = ""       # the status the service reports, when it has one
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def event(self) -> str:
        return self.tags.get(EVENT_TAG, "")

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.service, self.kind, self.id)


@dataclass
class Gap:
    """Something the inventory could not look at, and why."""

    service: str
    kind: str
    reason: str


class Inventory(list):
    """A list of `Resource` with the gaps met on the way (`.gaps`) and the events seen (`.events`)."""

    def __init__(self, items: Iterable[Resource] = (), gaps: list[Gap] | None = None,
                 events: Iterable[str] = ()) -> None:
        super().__init__(items)
        self.gaps: list[Gap] = list(gaps or [])
        self.events: list[str] = sorted(set(events))

    def kinds(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self:
            k = f"{r.service}:{r.kind}"
            out[k] = out.get(k, 0) + 1
        return dict(sorted(out.items()))


def is_workshop(tags: dict[str, str], event: str | None = None) -> bool:
    if tags.get(WORKSHOP_TAG) != WORKSHOP_VALUE:
        return False
    return event is None or tags.get(EVENT_TAG) == event


def _tags(pairs: Iterable[dict] | None, key: str = "Key", value: str = "Value") -> dict[str, str]:
    return {p[key]: p.get(value, "") for p in (pairs or []) if key in p}


def _code(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return type(exc).__name__


def _status(exc: Exception) -> int:
    if isinstance(exc, ClientError):
        return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    return 0


NOT_FOUND = frozenset({
    "ResourceNotFoundException", "ResourceNotFound", "NoSuchEntity", "NoSuchBucket", "NotFoundException", "NotFound",
    "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", "RepositoryNotFoundException",
    "FileSystemNotFound", "MountTargetNotFound", "InvalidVpcID.NotFound", "InvalidSubnetID.NotFound",
    "InvalidGroup.NotFound", "InvalidVpcEndpointId.NotFound", "InvalidRouteTableID.NotFound",
    "InvalidInternetGatewayID.NotFound", "InvalidNetworkInterfaceID.NotFound", "UserNotFoundException",
    "NoSuchTagSet", "NoSuchTagSetError", "404"})
_NOT_FOUND_WORDS = ("could not find", "does not exist", "not found", "cannot be found", "doesn't exist",
                    "recordnotfound")


def is_not_found(exc: Exception) -> bool:
    """Does this error say the resource is not there (any service's way of saying it)?"""
    code = _code(exc)
    if code in NOT_FOUND:
        return True
    if code in ("ValidationException", "ValidationError", "InvalidParameterValue", "InvalidParameterException"):
        return any(w in str(exc).lower() for w in _NOT_FOUND_WORDS)
    return False


def unavailable(exc: Exception, local: bool) -> str | None:
    """If `exc` says the API does not exist (here), a sentence saying so; else None."""
    code, status = _code(exc), _status(exc)
    if isinstance(exc, NotImplementedError) or code in ("NotImplemented", "501", "404", "UnknownOperation",
                                                          "UnknownOperationException", "InvalidAction"):
        return ("not implemented by the local emulator (moto 5.2)"
                if local else f"the service does not offer this API here ({code})")
    if local and status in (404, 500, 501) and code in ("404", "500", "501", "InternalFailure", "InternalError"):
        return "not implemented by the local emulator (moto 5.2)"
    if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError"):
        return f"not permitted for this identity: {exc}"[:300]
    return None


class _Ctx:
    def __init__(self, session, event: str | None) -> None:
        self.session = session
        self.event = event
        self.local = bool(getattr(session, "local", False))
        self.region = session.region
        self.gaps: list[Gap] = []
        self.events: set[str] = {event} if event else set()
        self.functions: set[str] = set()  # the workshop's Lambda functions (their log groups are ours too)
        self._clients: dict[tuple[str, str], Any] = {}

    def client(self, service: str, region: str | None = None):
        key = (service, region or self.region)
        if key not in self._clients:
            kwargs = {"region_name": region} if region and region != self.region else {}
            self._clients[key] = self.session.client(service, **kwargs)
        return self._clients[key]

    def match(self, tags: dict[str, str]) -> bool:
        if is_workshop(tags, self.event):
            if tags.get(EVENT_TAG):
                self.events.add(tags[EVENT_TAG])
            return True
        return False

    def res(self, service: str, kind: str, name: str, id: str, **kw) -> Resource:
        kw.setdefault("region", self.region)
        return Resource(service, kind, name, id, **kw)


def _pages(client, op: str, key: str, **kwargs) -> Iterator[dict]:
    """Items of a paginated list call (paginator when boto3 has one, NextToken loop otherwise)."""
    if client.can_paginate(op):
        for page in client.get_paginator(op).paginate(**kwargs):
            yield from page.get(key, [])
        return
    call = getattr(client, op)
    token = None
    while True:
        page = call(**kwargs, **({"NextToken": token} if token else {}))
        yield from page.get(key, [])
        token = page.get("NextToken")
        if not token:
            return


# -- listers (each yields the workshop's resources of some kinds) --------------------------------
def _section(ctx: _Ctx, service: str, kind: str, produce: Callable[[], Iterable[Resource]]) -> list[Resource]:
    """One kind's listing; an API the service (or the emulator) lacks becomes a `Gap`, not a crash."""
    try:
        return list(produce())
    except (ClientError, NotImplementedError) as exc:
        reason = unavailable(exc, ctx.local)
        if reason is None:
            raise
        ctx.gaps.append(Gap(service, kind, reason + ("; in aws mode they are listed and deleted" if ctx.local else "")))
        return []


def _sagemaker(ctx: _Ctx) -> Iterator[Resource]:
    sm = ctx.client("sagemaker")

    def tags_of(arn: str) -> dict[str, str]:
        try:
            return _tags(list(_pages(sm, "list_tags", "Tags", ResourceArn=arn)))
        except ClientError as exc:
            if is_not_found(exc):
                return {}
            raise

    def simple(kind: str, op: str, key: str, name_key: str, arn_key: str, status_key: str = ""):
        def produce():
            for item in _pages(sm, op, key):
                t = tags_of(item[arn_key])
                if ctx.match(t):
                    yield ctx.res("sagemaker", kind, item[name_key], item[name_key], arn=item[arn_key], tags=t,
                                  state=item.get(status_key, "") if status_key else "")
        return _section(ctx, "sagemaker", kind, produce)

    yield from simple("endpoint", "list_endpoints", "Endpoints", "EndpointName", "EndpointArn", "EndpointStatus")
    yield from simple("endpoint-config", "list_endpoint_configs", "EndpointConfigs", "EndpointConfigName",
                      "EndpointConfigArn")
    yield from simple("model", "list_models", "Models", "ModelName", "ModelArn")
    notebooks = simple("notebook-instance", "list_notebook_instances", "NotebookInstances", "NotebookInstanceName",
                       "NotebookInstanceArn", "NotebookInstanceStatus")
    yield from notebooks
    # Lifecycle configs: tagged ones, and those the workshop's notebook instances use.
    used: dict[str, str] = {}
    for nb in notebooks:
        try:
            lc = sm.describe_notebook_instance(NotebookInstanceName=nb.id).get("NotebookInstanceLifecycleConfigName")
        except ClientError:
            lc = None
        if lc:
            used[lc] = nb.id

    def lifecycle():
        for lc in _pages(sm, "list_notebook_instance_lifecycle_configs", "NotebookInstanceLifecycleConfigs"):
            name = lc["NotebookInstanceLifecycleConfigName"]
            t = tags_of(lc["NotebookInstanceLifecycleConfigArn"])
            if ctx.match(t) or name in used:
                used.pop(name, None)
                yield ctx.res("sagemaker", "notebook-lifecycle-config", name, name,
                              arn=lc["NotebookInstanceLifecycleConfigArn"], tags=t,
                              found_by="tag" if is_workshop(t, ctx.event) else "parent")

    configs = _section(ctx, "sagemaker", "notebook-lifecycle-config", lifecycle)
    yield from configs
    for gap in ctx.gaps:
        if gap.kind == "notebook-lifecycle-config" and "instead" not in gap.reason:
            gap.reason = gap.reason.split(";")[0] + "; found through the workshop's notebook instances instead"
    if any(g.kind == "notebook-lifecycle-config" for g in ctx.gaps):
        # The list API is missing (moto 5.2): describe the ones the workshop's instances name.
        for name, owner in sorted(used.items()):
            try:
                d = sm.describe_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=name)
            except ClientError:
                continue
            yield ctx.res("sagemaker", "notebook-lifecycle-config", name, name,
                          arn=d.get("NotebookInstanceLifecycleConfigArn", ""), found_by="parent", parent=owner,
                          tags=dict(ctx_tags_for(ctx, owner, notebooks)))
    yield from simple("experiment", "list_experiments", "ExperimentSummaries", "ExperimentName", "ExperimentArn")
    yield from simple("trial", "list_trials", "TrialSummaries", "TrialName", "TrialArn")
    yield from simple("trial-component", "list_trial_components", "TrialComponentSummaries", "TrialComponentName",
                      "TrialComponentArn")
    yield from simple("training-job", "list_training_jobs", "TrainingJobSummaries", "TrainingJobName",
                      "TrainingJobArn", "TrainingJobStatus")
    yield from _section(ctx, "sagemaker", "domain", lambda: _studio(ctx, sm, tags_of))


def ctx_tags_for(ctx: _Ctx, owner: str, resources: list[Resource]) -> dict[str, str]:
    """The tags of the resource named `owner` (what a dependent, untagged resource inherits in the table)."""
    return next((r.tags for r in resources if r.id == owner), {})


def _studio(ctx: _Ctx, sm, tags_of) -> Iterator[Resource]:
    """Studio domains, their user profiles and apps, and the home file system (EFS)."""
    for d in list(_pages(sm, "list_domains", "Domains")):
        t = tags_of(d["DomainArn"])
        if not ctx.match(t):
            continue
        domain_id = d["DomainId"]
        desc = sm.describe_domain(DomainId=domain_id)
        efs = desc.get("HomeEfsFileSystemId", "")
        yield ctx.res("sagemaker", "domain", d["DomainName"], domain_id, arn=d["DomainArn"], tags=t,
                      state=d.get("Status", ""), extra={"efs": efs})
        for kind, op, key, name_of in (
                ("user-profile", "list_user_profiles", "UserProfiles", lambda u: u["UserProfileName"]),
                ("app", "list_apps", "Apps", lambda a: f"{a.get('UserProfileName') or a.get('SpaceName', '')}/"
                                                       f"{a['AppType']}/{a['AppName']}")):
            try:
                items = list(_pages(sm, op, key, DomainIdEquals=domain_id))
            except ClientError as exc:
                reason = unavailable(exc, ctx.local)
                if reason is None:
                    raise
                ctx.gaps.append(Gap("sagemaker", kind, f"domain {d['DomainName']}: {reason}" +
                                    ("; in aws mode they are listed and deleted" if ctx.local else "")))
                continue
            for item in items:
                if item.get("Status") in ("Deleted",):
                    continue
                yield ctx.res("sagemaker", kind, name_of(item), json.dumps(item, default=str, sort_keys=True),
                              found_by="parent", parent=domain_id, state=item.get("Status", ""),
                              extra={"item": item})
        if efs:
            try:
                fs = ctx.client("efs").describe_file_systems(FileSystemId=efs)["FileSystems"]
            except ClientError as exc:
                reason = unavailable(exc, ctx.local)
                if reason is not None:
                    ctx.gaps.append(Gap("efs", "file-system", reason))
                    continue
                if not is_not_found(exc):
                    raise
                fs = []
                ctx.gaps.append(Gap("efs", "file-system", f"domain {d['DomainName']}: its home file system "
                                    f"{efs} does not exist" + (" (the local emulator creates none)" if ctx.local else "")))
            for f in fs:
                yield ctx.res("efs", "file-system", f.get("Name") or f["FileSystemId"], f["FileSystemId"],
                              arn=f.get("FileSystemArn", ""), tags=_tags(f.get("Tags")), found_by="parent",
                              parent=domain_id, state=f.get("LifeCycleState", ""))


def _efs(ctx: _Ctx) -> Iterator[Resource]:
    for f in _pages(ctx.client("efs"), "describe_file_systems", "FileSystems"):
        t = _tags(f.get("Tags"))
        if ctx.match(t):
            yield ctx.res("efs", "file-system", f.get("Name") or f["FileSystemId"], f["FileSystemId"],
                          arn=f.get("FileSystemArn", ""), tags=t, state=f.get("LifeCycleState", ""))


def _lambda(ctx: _Ctx) -> Iterator[Resource]:
    lam = ctx.client("lambda")
    functions: dict[str, dict[str, str]] = {}
    for fn in _pages(lam, "list_functions", "Functions"):
        try:
            t = lam.list_tags(Resource=fn["FunctionArn"]).get("Tags", {})
        except ClientError as exc:
            if is_not_found(exc):
                continue
            raise
        if ctx.match(t):
            functions[fn["FunctionName"]] = t
            ctx.functions.add(fn["FunctionName"])
            yield ctx.res("lambda", "function", fn["FunctionName"], fn["FunctionName"], arn=fn["FunctionArn"],
                          tags=t, state=fn.get("State", ""))
    # Event source mappings carry no workshop tags: they belong to the workshop's functions
    # (or, once a function is gone, to a function named after the event: "<event>-...").
    prefixes = tuple(f"{e}-" for e in ctx.events)
    for m in _pages(lam, "list_event_source_mappings", "EventSourceMappings"):
        fname = m.get("FunctionArn", "").split(":function:")[-1].split(":")[0]
        if fname in functions or (prefixes and fname.startswith(prefixes)):
            source = m.get("EventSourceArn", "")
            if ":table/" in source:  # a DynamoDB stream: name it after its table
                source = source.split(":table/", 1)[1].split("/")[0] + " stream"
            else:
                source = source.split(":")[-1]
            yield ctx.res("lambda", "event-source-mapping", f"{fname} <- {source}", m["UUID"],
                          arn=m.get("EventSourceMappingArn", ""), tags=functions.get(fname, {}),
                          found_by="parent", parent=fname, state=m.get("State", ""))


def _apigatewayv2(ctx: _Ctx) -> Iterator[Resource]:
    for api in _pages(ctx.client("apigatewayv2"), "get_apis", "Items"):
        t = api.get("Tags") or {}
        if ctx.match(t):
            yield ctx.res("apigatewayv2", "http-api", api["Name"], api["ApiId"], tags=t,
                          arn=f"arn:aws:apigateway:{ctx.region}::/apis/{api['ApiId']}")


def _ecr(ctx: _Ctx) -> Iterator[Resource]:
    ecr = ctx.client("ecr")
    for repo in _pages(ecr, "describe_repositories", "repositories"):
        t = _tags(ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"]).get("tags"))
        if ctx.match(t):
            yield ctx.res("ecr", "repository", repo["repositoryName"], repo["repositoryName"],
                          arn=repo["repositoryArn"], tags=t)


def _dynamodb(ctx: _Ctx) -> Iterator[Resource]:
    ddb = ctx.client("dynamodb")
    for name in _pages(ddb, "list_tables", "TableNames"):
        try:
            table = ddb.describe_table(TableName=name)["Table"]
            t = _tags(list(_pages(ddb, "list_tags_of_resource", "Tags", ResourceArn=table["TableArn"])))
        except ClientError as exc:
            if is_not_found(exc):
                continue
            raise
        if ctx.match(t):
            yield ctx.res("dynamodb", "table", name, name, arn=table["TableArn"], tags=t,
                          state=table.get("TableStatus", ""))


def _sqs(ctx: _Ctx) -> Iterator[Resource]:
    sqs = ctx.client("sqs")
    for url in _pages(sqs, "list_queues", "QueueUrls"):
        try:
            t = sqs.list_queue_tags(QueueUrl=url).get("Tags", {})
        except ClientError as exc:
            if is_not_found(exc):
                continue
            raise
        if ctx.match(t):
            attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
            yield ctx.res("sqs", "queue", url.rsplit("/", 1)[-1], url, arn=attrs.get("QueueArn", ""), tags=t)


def _s3(ctx: _Ctx) -> Iterator[Resource]:
    s3 = ctx.client("s3")
    for b in s3.list_buckets().get("Buckets", []):
        name = b["Name"]
        try:
            t = _tags(s3.get_bucket_tagging(Bucket=name).get("TagSet"))
        except ClientError as exc:
            if not (is_not_found(exc) or _code(exc) == "AccessDenied"):
                # one unreadable bucket (another region's policy, say) must not hide the others
                ctx.gaps.append(Gap("s3", "bucket", f"{name}: tags unreadable ({_code(exc)}: {exc})"[:300]))
            continue
        if ctx.match(t):
            region = s3.get_bucket_location(Bucket=name).get("LocationConstraint") or "us-east-1"
            versioning = s3.get_bucket_versioning(Bucket=name).get("Status", "Unversioned")
            yield ctx.res("s3", "bucket", name, name, arn=f"arn:aws:s3:::{name}", tags=t, region=region,
                          state=f"versioning {versioning}")


def _ec2(ctx: _Ctx) -> Iterator[Resource]:
    ec2 = ctx.client("ec2")
    filters = [{"Name": f"tag:{WORKSHOP_TAG}", "Values": [WORKSHOP_VALUE]}]
    if ctx.event:
        filters.append({"Name": f"tag:{EVENT_TAG}", "Values": [ctx.event]})
    acct = ctx.session.account_id

    def arn(kind: str, rid: str) -> str:
        return f"arn:aws:ec2:{ctx.region}:{acct}:{kind}/{rid}"

    for ep in _pages(ec2, "describe_vpc_endpoints", "VpcEndpoints", Filters=filters):
        if ep.get("State", "").lower() in ("deleted", "deleting"):
            continue
        t = _tags(ep.get("Tags"))
        if ctx.match(t):
            label = f"{t['Name']} ({ep['ServiceName']})" if t.get("Name") else f"{ep['ServiceName']} ({ep['VpcEndpointId']})"
            yield ctx.res("ec2", "vpc-endpoint", label, ep["VpcEndpointId"],
                          arn=arn("vpc-endpoint", ep["VpcEndpointId"]), tags=t, state=ep.get("State", ""),
                          parent=ep.get("VpcId", ""))
    for sub in _pages(ec2, "describe_subnets", "Subnets", Filters=filters):
        t = _tags(sub.get("Tags"))
        if ctx.match(t):
            yield ctx.res("ec2", "subnet", t.get("Name") or sub["SubnetId"], sub["SubnetId"],
                          arn=sub.get("SubnetArn") or arn("subnet", sub["SubnetId"]), tags=t,
                          state=sub.get("State", ""), parent=sub.get("VpcId", ""))
    for rt in _pages(ec2, "describe_route_tables", "RouteTables", Filters=filters):
        if any(a.get("Main") for a in rt.get("Associations", [])):
            continue  # a VPC's main route table goes with the VPC
        t = _tags(rt.get("Tags"))
        if ctx.match(t):
            yield ctx.res("ec2", "route-table", t.get("Name") or rt["RouteTableId"], rt["RouteTableId"],
                          arn=arn("route-table", rt["RouteTableId"]), tags=t, parent=rt.get("VpcId", ""))
    for igw in _pages(ec2, "describe_internet_gateways", "InternetGateways", Filters=filters):
        t = _tags(igw.get("Tags"))
        if ctx.match(t):
            vpcs = [a["VpcId"] for a in igw.get("Attachments", [])]
            yield ctx.res("ec2", "internet-gateway", t.get("Name") or igw["InternetGatewayId"],
                          igw["InternetGatewayId"], arn=arn("internet-gateway", igw["InternetGatewayId"]), tags=t,
                          parent=",".join(vpcs))
    for sg in _pages(ec2, "describe_security_groups", "SecurityGroups", Filters=filters):
        if sg.get("GroupName") == "default":
            continue  # every VPC has one; it goes with the VPC
        t = _tags(sg.get("Tags"))
        if ctx.match(t):
            yield ctx.res("ec2", "security-group", sg["GroupName"], sg["GroupId"], arn=arn("security-group",
                          sg["GroupId"]), tags=t, parent=sg.get("VpcId", ""))
    for vpc in _pages(ec2, "describe_vpcs", "Vpcs", Filters=filters):
        t = _tags(vpc.get("Tags"))
        if ctx.match(t):
            yield ctx.res("ec2", "vpc", t.get("Name") or vpc["VpcId"], vpc["VpcId"], arn=arn("vpc", vpc["VpcId"]),
                          tags=t, state=vpc.get("State", ""))


def _kms(ctx: _Ctx) -> Iterator[Resource]:
    kms = ctx.client("kms")
    aliases: dict[str, list[str]] = {}
    for a in _pages(kms, "list_aliases", "Aliases"):
        if a.get("TargetKeyId"):
            aliases.setdefault(a["TargetKeyId"], []).append(a["AliasName"])
    for k in _pages(kms, "list_keys", "Keys"):
        meta = kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]
        if meta.get("KeyManager") == "AWS" or meta.get("KeyState") in ("PendingDeletion", "PendingReplicaDeletion"):
            continue  # AWS-managed keys are not ours; keys scheduled for deletion count as gone
        try:
            t = _tags(list(_pages(kms, "list_resource_tags", "Tags", KeyId=k["KeyId"])), "TagKey", "TagValue")
        except ClientError as exc:
            if is_not_found(exc) or _code(exc) == "AccessDeniedException":
                continue
            raise
        if ctx.match(t):
            names = aliases.get(k["KeyId"], [])
            yield ctx.res("kms", "key", names[0] if names else k["KeyId"], k["KeyId"], arn=meta.get("Arn", ""),
                          tags=t, state=meta.get("KeyState", ""), extra={"aliases": names})


def _iam(ctx: _Ctx) -> Iterator[Resource]:
    iam = ctx.client("iam")
    for role in _pages(iam, "list_roles", "Roles"):
        if role.get("Path", "/").startswith(("/aws-service-role/", "/service-role/aws")):
            continue
        try:
            t = _tags(list(_pages(iam, "list_role_tags", "Tags", RoleName=role["RoleName"])))
        except ClientError as exc:
            if is_not_found(exc):
                continue
            raise
        if ctx.match(t):
            yield ctx.res("iam", "role", role["RoleName"], role["RoleName"], arn=role["Arn"], tags=t, region="global")
    for pol in _pages(iam, "list_policies", "Policies", Scope="Local"):
        try:
            t = _tags(list(_pages(iam, "list_policy_tags", "Tags", PolicyArn=pol["Arn"])))
        except ClientError as exc:
            if is_not_found(exc):
                continue
            raise
        if ctx.match(t):
            yield ctx.res("iam", "policy", pol["PolicyName"], pol["Arn"], arn=pol["Arn"], tags=t, region="global")
    for prof in _pages(iam, "list_instance_profiles", "InstanceProfiles"):
        t = _tags(prof.get("Tags"))
        if not t:
            try:
                t = _tags(list(_pages(iam, "list_instance_profile_tags", "Tags",
                                      InstanceProfileName=prof["InstanceProfileName"])))
            except ClientError:
                t = {}
        if ctx.match(t):
            yield ctx.res("iam", "instance-profile", prof["InstanceProfileName"], prof["InstanceProfileName"],
                          arn=prof["Arn"], tags=t, region="global")


def _identity_center(ctx: _Ctx) -> Iterator[Resource]:
    """Permission sets (tagged) and, by naming convention, the racer groups, memberships and users."""
    sso = ctx.client("sso-admin")
    instances = sso.list_instances().get("Instances", [])
    if not instances:
        return
    inst = instances[0]
    instance_arn, store = inst["InstanceArn"], inst["IdentityStoreId"]
    # Permission sets are tagged; where the tags cannot be read (moto 5.2 lacks the API) the
    # naming convention of helpers.identity decides: "<event>-racer" (cut to 32 characters).
    by_name = {f"{ev}-racer"[:32]: ev for ev in ctx.events}
    tags_readable = True
    for ps_arn in _pages(sso, "list_permission_sets", "PermissionSets", InstanceArn=instance_arn):
        t: dict[str, str] = {}
        if tags_readable:
            try:
                t = _tags(list(_pages(sso, "list_tags_for_resource", "Tags", InstanceArn=instance_arn,
                                      ResourceArn=ps_arn)))
            except ClientError as exc:
                reason = unavailable(exc, ctx.local)
                if reason is None:
                    raise
                tags_readable = False
                ctx.gaps.append(Gap("sso-admin", "permission-set", "tags: " + reason +
                                    "; found by the naming convention <event>-racer instead"))
        if t and not ctx.match(t):
            continue
        ps = sso.describe_permission_set(InstanceArn=instance_arn, PermissionSetArn=ps_arn)["PermissionSet"]
        if t:
            yield ctx.res("sso-admin", "permission-set", ps["Name"], ps_arn, arn=ps_arn, tags=t, region="global",
                          extra={"instance_arn": instance_arn})
        elif ps["Name"] in by_name:
            yield ctx.res("sso-admin", "permission-set", ps["Name"], ps_arn, arn=ps_arn, found_by="name",
                          region="global", tags={WORKSHOP_TAG: WORKSHOP_VALUE, EVENT_TAG: by_name[ps["Name"]]},
                          extra={"instance_arn": instance_arn})
    ids = ctx.client("identitystore")
    ddb = ctx.client("dynamodb")
    for ev in sorted(ctx.events):
        name_tags = {WORKSHOP_TAG: WORKSHOP_VALUE, EVENT_TAG: ev}
        try:
            gid = ids.get_group_id(IdentityStoreId=store, AlternateIdentifier={
                "UniqueAttribute": {"AttributePath": "displayName", "AttributeValue": f"{ev}-racers"}})["GroupId"]
        except ClientError as exc:
            if not is_not_found(exc):
                raise
            gid = ""
        members: list[tuple[str, str]] = []  # (membership id, user id)
        if gid:
            for m in _pages(ids, "list_group_memberships", "GroupMemberships", IdentityStoreId=store, GroupId=gid):
                members.append((m["MembershipId"], m["MemberId"].get("UserId", "")))
        # Racers taken out of the group but not deleted are still in the event's roster table.
        users = dict.fromkeys(uid for _, uid in members if uid)
        try:
            for item in _pages(ddb, "scan", "Items", TableName=f"{ev}-racers",
                               ProjectionExpression="email, user_id"):
                if "user_id" in item:
                    users.setdefault(item["user_id"]["S"])
        except ClientError as exc:
            if not is_not_found(exc):
                raise
        names: dict[str, str] = {}
        for uid in users:
            try:
                names[uid] = ids.describe_user(IdentityStoreId=store, UserId=uid).get("UserName", uid)
            except ClientError as exc:
                if not is_not_found(exc):
                    raise
        for mid, uid in members:
            yield ctx.res("identitystore", "group-membership", f"{names.get(uid, uid)} in {ev}-racers", mid,
                          tags=name_tags, found_by="parent", parent=f"{ev}-racers", region="global",
                          extra={"store": store})
        for uid, uname in sorted(names.items(), key=lambda kv: kv[1]):
            yield ctx.res("identitystore", "user", uname, uid, tags=name_tags, found_by="parent",
                          parent=f"{ev}-racers" if gid else f"{ev}-racers roster", region="global", extra={"store": store})
        if gid:
            yield ctx.res("identitystore", "group", f"{ev}-racers", gid, tags=name_tags, found_by="name",
                          region="global", extra={"store": store})


def _budgets(ctx: _Ctx) -> Iterator[Resource]:
    budgets = ctx.client("budgets", BILLING_REGION)
    acct = ctx.session.account_id
    wanted = {f"{ev}-deepracer": ev for ev in ctx.events}
    for b in _pages(budgets, "describe_budgets", "Budgets", AccountId=acct):
        name = b["BudgetName"]
        arn = f"arn:aws:budgets::{acct}:budget/{name}"
        t: dict[str, str] = {}
        try:
            t = _tags(budgets.list_tags_for_resource(ResourceARN=arn).get("ResourceTags"))
        except (ClientError, NotImplementedError, BotoCoreError):
            t = {}  # the emulator keeps no budget tags: the name decides
        if ctx.match(t):
            yield ctx.res("budgets", "budget", name, name, arn=arn, tags=t, region="global")
        elif name in wanted and not t:
            yield ctx.res("budgets", "budget", name, name, arn=arn, found_by="name", region="global",
                          tags={WORKSHOP_TAG: WORKSHOP_VALUE, EVENT_TAG: wanted[name]})


def _cloudwatch(ctx: _Ctx) -> Iterator[Resource]:
    regions = sorted({ctx.region, BILLING_REGION})  # billing alarms live in us-east-1
    for region in regions:
        cw = ctx.client("cloudwatch", region)
        for alarm in _pages(cw, "describe_alarms", "MetricAlarms"):
            t = _tags(cw.list_tags_for_resource(ResourceARN=alarm["AlarmArn"]).get("Tags"))
            if ctx.match(t):
                yield ctx.res("cloudwatch", "alarm", alarm["AlarmName"], alarm["AlarmName"], arn=alarm["AlarmArn"],
                              tags=t, region=region, state=alarm.get("StateValue", ""))


def _events(ctx: _Ctx) -> Iterator[Resource]:
    ev = ctx.client("events")
    for rule in _pages(ev, "list_rules", "Rules"):
        t = _tags(ev.list_tags_for_resource(ResourceARN=rule["Arn"]).get("Tags"))
        if ctx.match(t):
            yield ctx.res("events", "rule", rule["Name"], rule["Name"], arn=rule["Arn"], tags=t,
                          state=rule.get("State", ""), extra={"bus": rule.get("EventBusName", "default")})


def _cloudformation(ctx: _Ctx) -> Iterator[Resource]:
    for st in _pages(ctx.client("cloudformation"), "describe_stacks", "Stacks"):
        if st.get("StackStatus") == "DELETE_COMPLETE":
            continue
        t = _tags(st.get("Tags"))
        if ctx.match(t):
            yield ctx.res("cloudformation", "stack", st["StackName"], st["StackName"], arn=st.get("StackId", ""),
                          tags=t, state=st.get("StackStatus", ""))


def _logs(ctx: _Ctx) -> Iterator[Resource]:
    """Lambda log groups are created by Lambda, untagged: those of the workshop's functions, and
    `/aws/lambda/<event>-*` (functions named after the event, including ones already deleted)."""
    logs = ctx.client("logs")
    seen: set[str] = set()
    prefixes = [(f"/aws/lambda/{ev}-", ev) for ev in sorted(ctx.events)]
    prefixes += [(f"/aws/lambda/{fn}", "") for fn in sorted(ctx.functions)]
    for prefix, ev in prefixes:
        for g in _pages(logs, "describe_log_groups", "logGroups", logGroupNamePrefix=prefix):
            name = g["logGroupName"]
            if name in seen or (not ev and name != prefix):
                continue
            seen.add(name)
            tags = {WORKSHOP_TAG: WORKSHOP_VALUE, EVENT_TAG: ev} if ev else {WORKSHOP_TAG: WORKSHOP_VALUE}
            yield ctx.res("logs", "log-group", name, name, arn=g.get("arn", ""), tags=tags,
                          found_by="name" if ev else "parent", parent="" if ev else name.rsplit("/", 1)[-1])


# Tagged kinds first (they reveal the event names), then those found by naming convention.
TAGGED_LISTERS: dict[str, Callable[[_Ctx], Iterable[Resource]]] = {
    "cloudformation": _cloudformation, "sagemaker": _sagemaker, "efs": _efs, "lambda": _lambda,
    "apigatewayv2": _apigatewayv2, "ecr": _ecr, "dynamodb": _dynamodb, "sqs": _sqs,
    "s3": _s3, "ec2": _ec2, "kms": _kms, "iam": _iam, "cloudwatch": _cloudwatch, "events": _events,
}
NAMED_LISTERS: dict[str, Callable[[_Ctx], Iterable[Resource]]] = {
    "identitystore": _identity_center, "budgets": _budgets, "logs": _logs,
}


def _run_lister(ctx: _Ctx, service: str, lister) -> list[Resource]:
    try:
        return list(lister(ctx))
    except (ClientError, BotoCoreError, NotImplementedError) as exc:
        reason = unavailable(exc, ctx.local) or f"{_code(exc)}: {exc}"[:300]
        ctx.gaps.append(Gap(service, "*", reason))
        return []


def _tagging_api(ctx: _Ctx, known: list[Resource]) -> list[Resource]:
    """aws mode: whatever else carries the workshop tags (listed for a person to delete)."""
    filters = [{"Key": WORKSHOP_TAG, "Values": [WORKSHOP_VALUE]}]
    if ctx.event:
        filters.append({"Key": EVENT_TAG, "Values": [ctx.event]})
    seen = {r.arn for r in known if r.arn}
    seen |= {r.id for r in known}
    out = []
    try:
        items = list(_pages(ctx.client("resourcegroupstaggingapi"), "get_resources", "ResourceTagMappingList",
                            TagFilters=filters))
    except (ClientError, BotoCoreError) as exc:
        ctx.gaps.append(Gap("resourcegroupstaggingapi", "*", unavailable(exc, ctx.local) or str(exc)[:300]))
        return out
    for item in items:
        arn = item["ResourceARN"]
        if arn in seen or any(arn.endswith(x) for x in seen if x and len(x) > 8):
            continue
        parts = arn.split(":", 5)
        service = parts[2] if len(parts) > 2 else "?"
        rest = parts[5] if len(parts) > 5 else arn
        kind = rest.split("/", 1)[0].split(":", 1)[0] if ("/" in rest or ":" in rest) else "resource"
        out.append(ctx.res(service, kind, rest, arn, arn=arn, tags=_tags(item.get("Tags")), found_by="tagging-api",
                           region=parts[3] if len(parts) > 3 else ""))
    return out


def list_resources(session, *, event: str | None = None, services: Iterable[str] | None = None) -> Inventory:
    """Every workshop resource (of one event, or of all events when `event` is None).

    `services` limits the listing to some services (boto3 client names)."""
    ctx = _Ctx(session, event)
    wanted = set(services) if services else None
    found: list[Resource] = []
    for group in (TAGGED_LISTERS, NAMED_LISTERS):
        todo = {s: f for s, f in group.items() if wanted is None or s in wanted}
        workers = 1 if ctx.local else 8  # the local runtime serialises calls anyway
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {s: pool.submit(_run_lister, ctx, s, f) for s, f in todo.items()}
            for s in todo:
                found += futures[s].result()
    if not ctx.local and wanted is None:
        found += _tagging_api(ctx, found)
    unique: dict[tuple[str, str, str], Resource] = {}
    for r in found:
        unique.setdefault(r.key, r)
    items = sorted(unique.values(), key=lambda r: (r.service, r.kind, r.name))
    return Inventory(items, ctx.gaps, ctx.events)


def inventory_table(resources: Iterable[Resource]):
    """One row per resource, for people: service, kind, name, event, how it was found, state, id."""
    from helpers.report import table

    rows = [{"service": r.service, "kind": r.kind, "name": r.name, "event": r.event, "found by": r.found_by,
             "state": r.state, "region": r.region, "id / ARN": r.arn or r.id} for r in resources]
    return table(rows, columns=["service", "kind", "name", "event", "found by", "state", "region", "id / ARN"])


def gaps_table(inventory: Inventory):
    from helpers.report import table

    return table([g.__dict__ for g in getattr(inventory, "gaps", [])], columns=["service", "kind", "reason"])


def summary(resources: Iterable[Resource]) -> str:
    """"N workshop resources (k kinds)" - a line for checks and reports."""
    items = list(resources)
    kinds = {(r.service, r.kind) for r in items}
    return f"{len(items)} workshop resource{'s' if len(items) != 1 else ''} ({len(kinds)} kinds)"
