"""IAM instance profiles -> roles -> customer managed policies (global, listed once).

A role cannot be deleted while it has instance profiles, attached policies or inline
policies: those are removed first. A policy cannot be deleted while attached or while it has
non-default versions. Roles go after what runs with them (functions, SageMaker resources).
Service-linked roles are AWS's, not the workshop's, and are never listed.
"""
from __future__ import annotations

from typing import Iterator

from botocore.exceptions import ClientError

from helpers.aws import is_not_found, pages, quiet, tag_dict
from helpers.resources.base import Listing, Resource
from helpers.resources.registry import deleter, lister


def _tags(iam, op: str, **kwargs) -> dict[str, str] | None:
    """An IAM resource's tags, or None once it is gone."""
    try:
        return tag_dict(list(pages(iam, op, "Tags", **kwargs)))
    except ClientError as exc:
        if is_not_found(exc):
            return None
        raise


@lister("iam", ["role", "policy", "instance-profile"])
def list_iam(ctx: Listing) -> Iterator[Resource]:
    iam = ctx.client("iam")
    for role in pages(iam, "list_roles", "Roles"):
        if role.get("Path", "/").startswith(("/aws-service-role/", "/service-role/aws")):
            continue
        t = _tags(iam, "list_role_tags", RoleName=role["RoleName"])
        if t is not None and ctx.match(t):
            yield ctx.res("iam", "role", role["RoleName"], role["RoleName"], arn=role["Arn"], tags=t, region="global")
    for pol in pages(iam, "list_policies", "Policies", Scope="Local"):
        t = _tags(iam, "list_policy_tags", PolicyArn=pol["Arn"])
        if t is not None and ctx.match(t):
            yield ctx.res("iam", "policy", pol["PolicyName"], pol["Arn"], arn=pol["Arn"], tags=t, region="global")
    for prof in pages(iam, "list_instance_profiles", "InstanceProfiles"):
        t = tag_dict(prof.get("Tags"))
        if not t:
            try:
                t = tag_dict(list(pages(iam, "list_instance_profile_tags", "Tags",
                                        InstanceProfileName=prof["InstanceProfileName"])))
            except ClientError:
                t = {}
        if ctx.match(t):
            yield ctx.res("iam", "instance-profile", prof["InstanceProfileName"], prof["InstanceProfileName"],
                          arn=prof["Arn"], tags=t, region="global")


@deleter("iam", "instance-profile", phase=18, title="instance profiles")
def delete_instance_profile(ctx, r, st):
    iam = ctx.client("iam")
    prof = iam.get_instance_profile(InstanceProfileName=r.id)["InstanceProfile"]
    for role in prof.get("Roles", []):
        quiet(iam.remove_role_from_instance_profile, InstanceProfileName=r.id, RoleName=role["RoleName"])
    iam.delete_instance_profile(InstanceProfileName=r.id)
    st.started = True
    return "deleted"


@deleter("iam", "role", phase=19, title="IAM roles (policies detached first)",
         after=["instance-profile", ("lambda", "function"), ("sagemaker", "notebook-instance"),
                ("sagemaker", "model"), ("sagemaker", "domain"), ("cloudformation", "stack")])
def delete_role(ctx, r, st):
    iam = ctx.client("iam")
    done = []
    for prof in pages(iam, "list_instance_profiles_for_role", "InstanceProfiles", RoleName=r.id):
        quiet(iam.remove_role_from_instance_profile, InstanceProfileName=prof["InstanceProfileName"], RoleName=r.id)
        if len(prof.get("Roles", [])) <= 1:  # the profile only existed for this role
            quiet(iam.delete_instance_profile, InstanceProfileName=prof["InstanceProfileName"])
        done.append("instance profile")
    for pol in pages(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=r.id):
        quiet(iam.detach_role_policy, RoleName=r.id, PolicyArn=pol["PolicyArn"])
        done.append("managed policy")
    for name in pages(iam, "list_role_policies", "PolicyNames", RoleName=r.id):
        quiet(iam.delete_role_policy, RoleName=r.id, PolicyName=name)
        done.append("inline policy")
    if done:
        st.detail = "first: " + ", ".join(f"{done.count(x)} {x}{'s' if done.count(x) > 1 else ''} "
                                          f"{'deleted' if x == 'inline policy' else 'detached'}"
                                          for x in dict.fromkeys(done))
    iam.delete_role(RoleName=r.id)
    st.started = True
    return "deleted"


@deleter("iam", "policy", phase=20, title="customer managed policies", after=["role"])
def delete_policy(ctx, r, st):
    iam = ctx.client("iam")
    arn = r.id
    ents = iam.list_entities_for_policy(PolicyArn=arn)
    for role in ents.get("PolicyRoles", []):
        quiet(iam.detach_role_policy, RoleName=role["RoleName"], PolicyArn=arn)
    for user in ents.get("PolicyUsers", []):
        quiet(iam.detach_user_policy, UserName=user["UserName"], PolicyArn=arn)
    for group in ents.get("PolicyGroups", []):
        quiet(iam.detach_group_policy, GroupName=group["GroupName"], PolicyArn=arn)
    n = sum(len(ents.get(k, [])) for k in ("PolicyRoles", "PolicyUsers", "PolicyGroups"))
    if n:
        st.detail = f"detached from {n} identit{'y' if n == 1 else 'ies'} first"
    for v in pages(iam, "list_policy_versions", "Versions", PolicyArn=arn):
        if not v.get("IsDefaultVersion"):
            quiet(iam.delete_policy_version, PolicyArn=arn, VersionId=v["VersionId"])
    iam.delete_policy(PolicyArn=arn)
    st.started = True
    return "deleted"
