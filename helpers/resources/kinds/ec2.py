"""The secure lab's network: VPC endpoints -> subnets, route tables, internet gateways ->
security groups -> VPC.

Network interfaces are what holds a network up: Lambda and SageMaker release theirs some
minutes after their functions, endpoints and notebook instances are gone, so subnets and
security groups are retried (`NotYet`) while interfaces are still in use, and deleted after
everything that puts interfaces in them. A VPC's main route table and default security
group go with the VPC and are not listed.
"""
from __future__ import annotations

from typing import Iterator

from botocore.exceptions import ClientError

from helpers.aws import client_error, error_code, is_not_found, or_gone, pages, quiet, tag_dict
from helpers.resources.base import Listing, NotYet, Resource, gone_after
from helpers.resources.registry import deleter, lister

#: What puts network interfaces into the workshop's subnets (they must be gone first).
_INTERFACE_OWNERS = ["vpc-endpoint", ("lambda", "function"), ("sagemaker", "notebook-instance"),
                     ("sagemaker", "endpoint"), ("sagemaker", "domain"), ("efs", "file-system")]


@lister("ec2", ["vpc-endpoint", "subnet", "route-table", "internet-gateway", "security-group", "vpc"])
def list_network(ctx: Listing) -> Iterator[Resource]:
    ec2 = ctx.client("ec2")
    filters = [{"Name": f"tag:{k}", "Values": [v]} for k, v in ctx.scope.items()]
    acct = ctx.session.account_id

    def arn(kind: str, rid: str) -> str:
        return f"arn:aws:ec2:{ctx.region}:{acct}:{kind}/{rid}"

    for ep in pages(ec2, "describe_vpc_endpoints", "VpcEndpoints", Filters=filters):
        if ep.get("State", "").lower() in ("deleted", "deleting"):
            continue
        t = tag_dict(ep.get("Tags"))
        if ctx.match(t):
            label = f"{t['Name']} ({ep['ServiceName']})" if t.get("Name") else f"{ep['ServiceName']} ({ep['VpcEndpointId']})"
            yield ctx.res("ec2", "vpc-endpoint", label, ep["VpcEndpointId"],
                          arn=arn("vpc-endpoint", ep["VpcEndpointId"]), tags=t, state=ep.get("State", ""),
                          parent=ep.get("VpcId", ""))
    for sub in pages(ec2, "describe_subnets", "Subnets", Filters=filters):
        t = tag_dict(sub.get("Tags"))
        if ctx.match(t):
            yield ctx.res("ec2", "subnet", t.get("Name") or sub["SubnetId"], sub["SubnetId"],
                          arn=sub.get("SubnetArn") or arn("subnet", sub["SubnetId"]), tags=t,
                          state=sub.get("State", ""), parent=sub.get("VpcId", ""))
    for rt in pages(ec2, "describe_route_tables", "RouteTables", Filters=filters):
        if any(a.get("Main") for a in rt.get("Associations", [])):
            continue  # a VPC's main route table goes with the VPC
        t = tag_dict(rt.get("Tags"))
        if ctx.match(t):
            yield ctx.res("ec2", "route-table", t.get("Name") or rt["RouteTableId"], rt["RouteTableId"],
                          arn=arn("route-table", rt["RouteTableId"]), tags=t, parent=rt.get("VpcId", ""))
    for igw in pages(ec2, "describe_internet_gateways", "InternetGateways", Filters=filters):
        t = tag_dict(igw.get("Tags"))
        if ctx.match(t):
            vpcs = [a["VpcId"] for a in igw.get("Attachments", [])]
            yield ctx.res("ec2", "internet-gateway", t.get("Name") or igw["InternetGatewayId"],
                          igw["InternetGatewayId"], arn=arn("internet-gateway", igw["InternetGatewayId"]), tags=t,
                          parent=",".join(vpcs))
    for sg in pages(ec2, "describe_security_groups", "SecurityGroups", Filters=filters):
        if sg.get("GroupName") == "default":
            continue  # every VPC has one; it goes with the VPC
        t = tag_dict(sg.get("Tags"))
        if ctx.match(t):
            yield ctx.res("ec2", "security-group", sg["GroupName"], sg["GroupId"], arn=arn("security-group",
                          sg["GroupId"]), tags=t, parent=sg.get("VpcId", ""))
    for vpc in pages(ec2, "describe_vpcs", "Vpcs", Filters=filters):
        t = tag_dict(vpc.get("Tags"))
        if ctx.match(t):
            yield ctx.res("ec2", "vpc", t.get("Name") or vpc["VpcId"], vpc["VpcId"], arn=arn("vpc", vpc["VpcId"]),
                          tags=t, state=vpc.get("State", ""))


# -- deleting ------------------------------------------------------------------------------------
def _enis_in(ec2, name: str, value: str) -> list[dict]:
    return list(pages(ec2, "describe_network_interfaces", "NetworkInterfaces",
                      Filters=[{"Name": name, "Values": [value]}]))


def _release_enis(ec2, enis: list[dict]) -> list[dict]:
    """Delete the detached interfaces we may delete; return those still in use."""
    busy = []
    for eni in enis:
        if eni.get("Status") == "available" and not eni.get("RequesterManaged"):
            try:
                ec2.delete_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"])
                continue
            except ClientError as exc:
                if is_not_found(exc):
                    continue
        busy.append(eni)
    return busy


@deleter("ec2", "vpc-endpoint", phase=10, title="VPC endpoints", after=_INTERFACE_OWNERS[1:])
def delete_vpc_endpoint(ctx, r, st):
    ec2 = ctx.client("ec2", r.region)

    def check():
        eps = or_gone(lambda: ec2.describe_vpc_endpoints(VpcEndpointIds=[r.id])["VpcEndpoints"])
        state = eps[0]["State"] if eps else "deleted"
        return None if state.lower() == "deleted" else state

    current = check()
    if current is None:
        return "deleted"
    if current.lower() in ("pending", "pendingacceptance"):
        raise NotYet(f"VPC endpoint is {current}")
    if current.lower() != "deleting":
        out = ec2.delete_vpc_endpoints(VpcEndpointIds=[r.id])
        if out.get("Unsuccessful"):
            err = out["Unsuccessful"][0].get("Error", {})
            raise client_error(err.get("Code", "Unsuccessful"), err.get("Message", ""), "DeleteVpcEndpoints")
    return gone_after(st, check, "VPC endpoint")


@deleter("ec2", "subnet", phase=11, title="subnets", after=_INTERFACE_OWNERS)
def delete_subnet(ctx, r, st):
    ec2 = ctx.client("ec2", r.region)
    busy = _release_enis(ec2, _enis_in(ec2, "subnet-id", r.id))
    try:
        ec2.delete_subnet(SubnetId=r.id)
    except ClientError as exc:
        if error_code(exc) == "DependencyViolation" and busy:
            raise NotYet(f"{len(busy)} network interface(s) still in use "
                         f"({', '.join(e.get('Description') or e['NetworkInterfaceId'] for e in busy[:3])}); "
                         "Lambda and SageMaker release theirs some minutes after their resources are deleted")
        raise
    st.started = True
    return "deleted"


@deleter("ec2", "route-table", phase=11, title="route tables", after=["vpc-endpoint"])
def delete_route_table(ctx, r, st):
    ec2 = ctx.client("ec2", r.region)
    tables = ec2.describe_route_tables(RouteTableIds=[r.id])["RouteTables"]
    for a in (tables[0].get("Associations", []) if tables else []):
        if not a.get("Main") and a.get("RouteTableAssociationId"):
            quiet(ec2.disassociate_route_table, AssociationId=a["RouteTableAssociationId"])
    ec2.delete_route_table(RouteTableId=r.id)
    st.started = True
    return "deleted"


@deleter("ec2", "internet-gateway", phase=11, title="internet gateways", after=["vpc-endpoint"])
def delete_internet_gateway(ctx, r, st):
    ec2 = ctx.client("ec2", r.region)
    for vpc in [v for v in r.parent.split(",") if v]:
        quiet(ec2.detach_internet_gateway, InternetGatewayId=r.id, VpcId=vpc)
    ec2.delete_internet_gateway(InternetGatewayId=r.id)
    st.started = True
    return "deleted"


@deleter("ec2", "security-group", phase=12, title="security groups", after=["subnet", *_INTERFACE_OWNERS])
def delete_security_group(ctx, r, st):
    ec2 = ctx.client("ec2", r.region)
    if not st.started:
        groups = ec2.describe_security_groups(GroupIds=[r.id])["SecurityGroups"]
        group = groups[0] if groups else {}
        # Rules that name other groups keep those groups alive: revoke them first.
        for direction, perms in (("ingress", group.get("IpPermissions", [])),
                                 ("egress", group.get("IpPermissionsEgress", []))):
            refs = [p for p in perms if p.get("UserIdGroupPairs")]
            if refs:
                call = ec2.revoke_security_group_ingress if direction == "ingress" else ec2.revoke_security_group_egress
                for perm in refs:  # one by one: a rule naming a group already deleted is gone with it
                    quiet(call, GroupId=r.id, IpPermissions=[perm])
        st.started = True
    try:
        ec2.delete_security_group(GroupId=r.id)
    except ClientError as exc:
        if error_code(exc) == "DependencyViolation":
            enis = _release_enis(ec2, _enis_in(ec2, "group-id", r.id))
            raise NotYet(f"still in use ({len(enis)} network interface(s) or a rule of another group)")
        if is_not_found(exc):
            return "deleted"
        raise
    return "deleted"


@deleter("ec2", "vpc", phase=13, title="VPCs",
         after=["vpc-endpoint", "subnet", "route-table", "internet-gateway", "security-group"])
def delete_vpc(ctx, r, st):
    ec2 = ctx.client("ec2", r.region)
    try:
        ec2.delete_vpc(VpcId=r.id)
    except ClientError as exc:
        if error_code(exc) != "DependencyViolation":
            raise
        left = []
        for what, op, key in (("subnet", "describe_subnets", "Subnets"),
                              ("security group", "describe_security_groups", "SecurityGroups"),
                              ("VPC endpoint", "describe_vpc_endpoints", "VpcEndpoints"),
                              ("network interface", "describe_network_interfaces", "NetworkInterfaces")):
            items = [i for i in pages(ec2, op, key, Filters=[{"Name": "vpc-id", "Values": [r.id]}])
                     if i.get("GroupName") != "default" and str(i.get("State", "")).lower() != "deleted"]
            if items:
                left.append(f"{len(items)} {what}(s)")
        raise NotYet("the VPC still holds " + (", ".join(left) or "dependencies") +
                     " (not created by the workshop, or still being deleted)")
    st.started = True
    return "deleted"
