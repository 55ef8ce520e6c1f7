"""The project's private network: a VPC without an internet gateway, private subnets in two
availability zones, security groups, and VPC endpoints so SageMaker work reaches the AWS
services it needs (S3, the SageMaker API and runtime, STS, CloudWatch Logs) without the internet.

Everything is found again by its tags (`project`, `environment`) and `Name`, so provisioning
twice creates nothing new. The endpoint policies come from `labs.secure_environment.policies`.
"""
from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, field

from botocore.exceptions import ClientError

from labs.secure_environment.project import Scope

#: Interface endpoints: short name -> the service's suffix in `com.amazonaws.<region>.<suffix>`.
INTERFACE_SERVICES: dict[str, str] = {
    "sagemaker-api": "sagemaker.api",
    "sagemaker-runtime": "sagemaker.runtime",
    "sts": "sts",
    "logs": "logs",
}
HTTPS = 443


@dataclass
class Network:
    vpc_id: str
    cidr: str
    subnets: dict[str, str]            # availability zone -> subnet id
    route_table_id: str
    workload_sg: str                   # notebooks, training jobs, endpoints
    endpoint_sg: str                   # the interface endpoints' network interfaces
    endpoints: dict[str, str] = field(default_factory=dict)  # "s3", "sagemaker-api", ... -> vpce id

    @property
    def subnet_ids(self) -> list[str]:
        return [self.subnets[z] for z in sorted(self.subnets)]

    @property
    def vpc_config(self) -> dict[str, list[str]]:
        """The `VpcConfig` SageMaker takes (training jobs, models)."""
        return {"Subnets": self.subnet_ids, "SecurityGroupIds": [self.workload_sg]}

    @property
    def s3_endpoint(self) -> str:
        return self.endpoints.get("s3", "")


def _spec(kind: str, scope: Scope, name: str) -> list[dict]:
    return [{"ResourceType": kind, "Tags": scope.tag_list + [{"Key": "Name", "Value": name}]}]


def _filters(scope: Scope, name: str | None = None, **extra: str) -> list[dict]:
    f = [{"Name": "tag:project", "Values": [scope.project]},
         {"Name": "tag:environment", "Values": [scope.environment]}]
    if name:
        f.append({"Name": "tag:Name", "Values": [name]})
    f += [{"Name": k.replace("_", "-"), "Values": [v]} for k, v in extra.items()]
    return f


def ensure_vpc(session, scope: Scope, *, cidr: str = "10.42.0.0/16", zones: int = 2) -> Network:
    """VPC (DNS on, no internet gateway), one private subnet per zone, a private route table
    and the two security groups. Existing pieces are found by tag and kept."""
    ec2 = session.client("ec2")
    name = scope.name("vpc")
    found = ec2.describe_vpcs(Filters=_filters(scope, name))["Vpcs"]
    if found:
        vpc_id, cidr = found[0]["VpcId"], found[0]["CidrBlock"]
    else:
        vpc_id = ec2.create_vpc(CidrBlock=cidr, TagSpecifications=_spec("vpc", scope, name))["Vpc"]["VpcId"]
        ec2.get_waiter("vpc_available").wait(VpcIds=[vpc_id])
    # Interface endpoints with private DNS need both attributes on.
    for attr in ("EnableDnsSupport", "EnableDnsHostnames"):
        ec2.modify_vpc_attribute(VpcId=vpc_id, **{attr: {"Value": True}})
    igws = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])
    if igws["InternetGateways"]:
        raise RuntimeError(f"VPC {vpc_id} has an internet gateway: a project VPC must stay private")

    zone_names = [z["ZoneName"] for z in ec2.describe_availability_zones(
        Filters=[{"Name": "state", "Values": ["available"]}])["AvailabilityZones"]][:zones]
    blocks = list(ipaddress.ip_network(cidr).subnets(new_prefix=20))
    subnets: dict[str, str] = {}
    for i, zone in enumerate(zone_names):
        sname = scope.name(f"private-{zone[-1]}")
        have = ec2.describe_subnets(Filters=_filters(scope, sname, vpc_id=vpc_id))["Subnets"]
        if have:
            subnets[zone] = have[0]["SubnetId"]
        else:
            subnets[zone] = ec2.create_subnet(VpcId=vpc_id, CidrBlock=str(blocks[i]), AvailabilityZone=zone,
                                              TagSpecifications=_spec("subnet", scope, sname))["Subnet"]["SubnetId"]

    rname = scope.name("private-routes")
    have = ec2.describe_route_tables(Filters=_filters(scope, rname, vpc_id=vpc_id))["RouteTables"]
    if have:
        route_table = have[0]
    else:
        route_table = ec2.create_route_table(VpcId=vpc_id,
                                             TagSpecifications=_spec("route-table", scope, rname))["RouteTable"]
    associated = {a.get("SubnetId") for a in route_table.get("Associations", [])}
    for subnet in subnets.values():
        if subnet not in associated:
            ec2.associate_route_table(RouteTableId=route_table["RouteTableId"], SubnetId=subnet)

    workload = _group(ec2, scope, vpc_id, scope.name("workload"),
                      "SageMaker notebooks, jobs and endpoints of the project (no internet)")
    endpoint = _group(ec2, scope, vpc_id, scope.name("endpoints"), "Interface VPC endpoints of the project")
    _rules(ec2, session.region, workload, endpoint)
    return Network(vpc_id=vpc_id, cidr=cidr, subnets=subnets, route_table_id=route_table["RouteTableId"],
                   workload_sg=workload, endpoint_sg=endpoint)


def _group(ec2, scope: Scope, vpc_id: str, name: str, description: str) -> str:
    have = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                 {"Name": "group-name", "Values": [name]}])["SecurityGroups"]
    if have:
        return have[0]["GroupId"]
    return ec2.create_security_group(GroupName=name, Description=description, VpcId=vpc_id,
                                     TagSpecifications=_spec("security-group", scope, name))["GroupId"]


def _ignore(codes: tuple[str, ...], fn, **kwargs) -> None:
    try:
        fn(**kwargs)
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in codes:
            raise


def _rules(ec2, region: str, workload: str, endpoint: str) -> None:
    """Least privilege between the two groups; nothing to or from the internet."""
    everywhere = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    for group in (workload, endpoint):  # a new group may send anywhere: take that away
        _ignore(("InvalidPermission.NotFound",), ec2.revoke_security_group_egress, GroupId=group,
                IpPermissions=everywhere)
    dup = ("InvalidPermission.Duplicate",)
    # Distributed training: the job's instances talk to each other (encrypted, see the trainer).
    _ignore(dup, ec2.authorize_security_group_ingress, GroupId=workload, IpPermissions=[
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": workload, "Description": "between the job's instances"}]}])
    egress = [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": workload, "Description": "between the job's instances"}]},
              {"IpProtocol": "tcp", "FromPort": HTTPS, "ToPort": HTTPS,
               "UserIdGroupPairs": [{"GroupId": endpoint, "Description": "AWS APIs through the interface endpoints"}]}]
    s3_list = _s3_prefix_list(ec2, region)
    if s3_list:
        egress.append({"IpProtocol": "tcp", "FromPort": HTTPS, "ToPort": HTTPS,
                       "PrefixListIds": [{"PrefixListId": s3_list, "Description": "S3 through the gateway endpoint"}]})
    for permission in egress:
        _ignore(dup, ec2.authorize_security_group_egress, GroupId=workload, IpPermissions=[permission])
    _ignore(dup, ec2.authorize_security_group_ingress, GroupId=endpoint, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": HTTPS, "ToPort": HTTPS,
         "UserIdGroupPairs": [{"GroupId": workload, "Description": "HTTPS from the project's workloads"}]}])


def _s3_prefix_list(ec2, region: str) -> str | None:
    lists = ec2.describe_prefix_lists(Filters=[{"Name": "prefix-list-name",
                                                "Values": [f"com.amazonaws.{region}.s3"]}])["PrefixLists"]
    return lists[0]["PrefixListId"] if lists else None


def ensure_endpoints(session, scope: Scope, net: Network, *, s3_policy: dict, interface_policy: dict) -> Network:
    """The S3 gateway endpoint (on the private route table) and one interface endpoint per
    service in `INTERFACE_SERVICES` (in every subnet, private DNS on), each with its policy.
    An existing endpoint keeps its id; its policy is brought up to date."""
    ec2 = session.client("ec2")
    wanted = {"s3": ("Gateway", f"com.amazonaws.{session.region}.s3", s3_policy)}
    for short, suffix in INTERFACE_SERVICES.items():
        wanted[short] = ("Interface", f"com.amazonaws.{session.region}.{suffix}", interface_policy)
    have = {e["ServiceName"]: e for e in ec2.describe_vpc_endpoints(Filters=[
        {"Name": "vpc-id", "Values": [net.vpc_id]}])["VpcEndpoints"]
        if e.get("State", "").lower() not in ("deleted", "deleting", "failed")}
    for short, (kind, service, policy) in wanted.items():
        doc = json.dumps(policy)
        if service in have:
            ep = have[service]
            if _policy(ep.get("PolicyDocument")) != policy:
                ec2.modify_vpc_endpoint(VpcEndpointId=ep["VpcEndpointId"], PolicyDocument=doc)
            net.endpoints[short] = ep["VpcEndpointId"]
            continue
        kwargs: dict = {"VpcId": net.vpc_id, "ServiceName": service, "VpcEndpointType": kind,
                        "PolicyDocument": doc, "TagSpecifications": _spec("vpc-endpoint", scope, scope.name(short))}
        if kind == "Gateway":
            kwargs["RouteTableIds"] = [net.route_table_id]
        else:
            kwargs.update(SubnetIds=net.subnet_ids, SecurityGroupIds=[net.endpoint_sg], PrivateDnsEnabled=True)
        net.endpoints[short] = ec2.create_vpc_endpoint(**kwargs)["VpcEndpoint"]["VpcEndpointId"]
    return net


def _policy(doc) -> dict:
    if isinstance(doc, dict):
        return doc
    try:
        return json.loads(doc or "{}")
    except ValueError:
        return {}


def facts(session, net: Network) -> dict:
    """The properties that make the network private, read back from EC2."""
    ec2 = session.client("ec2")
    by_vpc = [{"Name": "attachment.vpc-id", "Values": [net.vpc_id]}]
    subnets = ec2.describe_subnets(SubnetIds=net.subnet_ids)["Subnets"]
    return {
        "availability zones": ", ".join(sorted(s["AvailabilityZone"] for s in subnets)),
        "public IPs on launch": any(s.get("MapPublicIpOnLaunch") for s in subnets),
        "internet gateways": len(ec2.describe_internet_gateways(Filters=by_vpc)["InternetGateways"]),
        "NAT gateways": len([g for g in ec2.describe_nat_gateways(
            Filters=[{"Name": "vpc-id", "Values": [net.vpc_id]}]).get("NatGateways", [])
            if g.get("State") not in ("deleted", "failed")]),
        "DNS hostnames": ec2.describe_vpc_attribute(VpcId=net.vpc_id, Attribute="enableDnsHostnames")
        ["EnableDnsHostnames"]["Value"],
        "VPC endpoints": len(net.endpoints),
    }


def endpoint_rows(session, net: Network) -> list[dict]:
    """One row per endpoint: what it reaches, how, and what its policy lets through."""
    ec2 = session.client("ec2")
    eps = ec2.describe_vpc_endpoints(VpcEndpointIds=list(net.endpoints.values()))["VpcEndpoints"]
    by_id = {e["VpcEndpointId"]: e for e in eps}
    rows = []
    for short, vpce in net.endpoints.items():
        e = by_id[vpce]
        policy = _policy(e.get("PolicyDocument"))
        allowed = sorted({r.split(":::")[-1].split("/")[0] for s in policy.get("Statement", [])
                          if s.get("Effect") == "Allow"
                          for r in ([s["Resource"]] if isinstance(s.get("Resource"), str) else s.get("Resource", []))})
        principals = sorted({v for s in policy.get("Statement", [])
                             for v in ((s.get("Condition") or {}).get("StringEquals") or {}).values()})
        rows.append({"endpoint": short, "type": e["VpcEndpointType"], "service": e["ServiceName"],
                     "where": "route table" if e["VpcEndpointType"] == "Gateway" else f"{len(e.get('SubnetIds', []))} subnets",
                     "policy allows": ", ".join(allowed) if allowed != ["*"] else "any API",
                     "principals": ", ".join(f"account {p}" for p in principals)})
    return rows


def security_group_rows(session, net: Network) -> list[dict]:
    """Every rule of the two groups, in words."""
    ec2 = session.client("ec2")
    names = {net.workload_sg: "workload", net.endpoint_sg: "endpoints"}
    groups = ec2.describe_security_groups(GroupIds=list(names))["SecurityGroups"]
    rows = []
    for g in sorted(groups, key=lambda g: names[g["GroupId"]]):
        for direction, perms in (("in", g.get("IpPermissions", [])), ("out", g.get("IpPermissionsEgress", []))):
            for p in perms:
                ports = "all" if p.get("IpProtocol") == "-1" else f"{p.get('IpProtocol')} {p.get('FromPort')}"
                peers = [names.get(u["GroupId"], u["GroupId"]) for u in p.get("UserIdGroupPairs", [])]
                peers += [r["CidrIp"] for r in p.get("IpRanges", [])]
                peers += ["S3 prefix list" for _ in p.get("PrefixListIds", [])]
                for peer in peers:
                    rows.append({"group": names[g["GroupId"]], "direction": direction, "ports": ports, "peer": peer})
    return rows
