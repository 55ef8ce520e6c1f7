"""IAM Identity Center: the racers' group, its permission set, the admin role.

Racers sign in through the AWS access portal of IAM Identity Center (backed
by the enterprise identity provider). They belong to one group per event;
the group is assigned to the sponsoring account with a permission set that
holds `AWSDeepRacerDefaultMultiUserAccess`. The event admin gets a role with
`AWSDeepRacerAccountAdminAccess`. Every function here creates what is
missing, finds what exists, and reads it back.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

RACER_POLICY = "arn:aws:iam::aws:policy/AWSDeepRacerDefaultMultiUserAccess"
ADMIN_POLICY = "arn:aws:iam::aws:policy/AWSDeepRacerAccountAdminAccess"


@dataclass
class IdentityCenter:
    instance_arn: str
    identity_store_id: str
    access_portal_url: str


@dataclass
class EventIdentity:
    center: IdentityCenter
    group_id: str
    group_name: str
    permission_set_arn: str
    admin_role_arn: str


def identity_center(session) -> IdentityCenter:
    """The account's Identity Center instance (there is one per organization)."""
    instances = session.client("sso-admin").list_instances().get("Instances", [])
    if not instances:
        raise RuntimeError(
            "No IAM Identity Center instance in this account/region. Enable IAM Identity Center "
            "(console: IAM Identity Center -> Enable) in the region the workshop uses, then re-run.")
    inst = instances[0]
    store = inst["IdentityStoreId"]
    # The portal URL is https://<identity store id>.awsapps.com/start unless a custom subdomain is set.
    return IdentityCenter(inst["InstanceArn"], store, f"https://{store}.awsapps.com/start")


def ensure_group(session, center: IdentityCenter, name: str, description: str) -> str:
    ids = session.client("identitystore")
    try:
        return ids.get_group_id(IdentityStoreId=center.identity_store_id, AlternateIdentifier={
            "UniqueAttribute": {"AttributePath": "displayName", "AttributeValue": name}})["GroupId"]
    except ids.exceptions.ResourceNotFoundException:
        pass
    return ids.create_group(IdentityStoreId=center.identity_store_id, DisplayName=name,
                            Description=description)["GroupId"]


def ensure_permission_set(session, center: IdentityCenter, name: str, policy_arn: str) -> str:
    sso = session.client("sso-admin")
    arns = sso.list_permission_sets(InstanceArn=center.instance_arn).get("PermissionSets", [])
    for arn in arns:
        ps = sso.describe_permission_set(InstanceArn=center.instance_arn, PermissionSetArn=arn)["PermissionSet"]
        if ps["Name"] == name:
            break
    else:
        arn = sso.create_permission_set(
            InstanceArn=center.instance_arn, Name=name, SessionDuration="PT8H",
            Description="Racers of a DeepRacer event (multi-user mode)",
            Tags=session.tag_list)["PermissionSet"]["PermissionSetArn"]
    attached = sso.list_managed_policies_in_permission_set(
        InstanceArn=center.instance_arn, PermissionSetArn=arn).get("AttachedManagedPolicies", [])
    if policy_arn not in {p["Arn"] for p in attached}:
        sso.attach_managed_policy_to_permission_set(
            InstanceArn=center.instance_arn, PermissionSetArn=arn, ManagedPolicyArn=policy_arn)
    return arn


def ensure_assignment(session, center: IdentityCenter, permission_set_arn: str, group_id: str) -> None:
    sso = session.client("sso-admin")
    existing = sso.list_account_assignments(
        InstanceArn=center.instance_arn, AccountId=session.account_id,
        PermissionSetArn=permission_set_arn).get("AccountAssignments", [])
    if any(a["PrincipalId"] == group_id for a in existing):
        return
    sso.create_account_assignment(
        InstanceArn=center.instance_arn, TargetId=session.account_id, TargetType="AWS_ACCOUNT",
        PermissionSetArn=permission_set_arn, PrincipalType="GROUP", PrincipalId=group_id)


def ensure_admin_role(session, name: str) -> str:
    """The event admin's role, with the DeepRacer account-admin managed policy."""
    iam = session.client("iam")
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{session.account_id}:root"},
        "Action": "sts:AssumeRole"}]}
    try:
        arn = iam.get_role(RoleName=name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust),
                              Description="DeepRacer event administrator", Tags=session.tag_list)["Role"]["Arn"]
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    if ADMIN_POLICY not in {p["PolicyArn"] for p in attached}:
        iam.attach_role_policy(RoleName=name, PolicyArn=ADMIN_POLICY)
    return arn


def setup_event_identity(session, event: str) -> EventIdentity:
    """Group, permission set, assignment and admin role for one event (idempotent)."""
    center = identity_center(session)
    group_name = f"{event}-racers"
    group_id = ensure_group(session, center, group_name, f"Racers of {event}")
    ps_arn = ensure_permission_set(session, center, f"{event}-racer"[:32], RACER_POLICY)
    ensure_assignment(session, center, ps_arn, group_id)
    admin = ensure_admin_role(session, f"{event}-admin")
    return EventIdentity(center, group_id, group_name, ps_arn, admin)


def verify_event_identity(session, ident: EventIdentity) -> dict[str, bool]:
    """Read every piece back from the services (not from what we sent)."""
    sso = session.client("sso-admin")
    iam = session.client("iam")
    ids = session.client("identitystore")
    group = ids.describe_group(IdentityStoreId=ident.center.identity_store_id, GroupId=ident.group_id)
    policies = sso.list_managed_policies_in_permission_set(
        InstanceArn=ident.center.instance_arn, PermissionSetArn=ident.permission_set_arn)["AttachedManagedPolicies"]
    assignments = sso.list_account_assignments(
        InstanceArn=ident.center.instance_arn, AccountId=session.account_id,
        PermissionSetArn=ident.permission_set_arn)["AccountAssignments"]
    role_name = ident.admin_role_arn.rsplit("/", 1)[-1]
    attached = iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]
    return {
        f"group {group['DisplayName']} exists": group["GroupId"] == ident.group_id,
        "permission set holds AWSDeepRacerDefaultMultiUserAccess": RACER_POLICY in {p["Arn"] for p in policies},
        "group assigned to the sponsoring account": any(a["PrincipalId"] == ident.group_id for a in assignments),
        "admin role holds AWSDeepRacerAccountAdminAccess": ADMIN_POLICY in {p["PolicyArn"] for p in attached},
    }


def group_members(session, ident: EventIdentity) -> list[str]:
    """User names (racer emails) in the event group."""
    ids = session.client("identitystore")
    store = ident.center.identity_store_id
    members = []
    paginator_kwargs = {"IdentityStoreId": store, "GroupId": ident.group_id}
    token = None
    while True:
        page = ids.list_group_memberships(**paginator_kwargs, **({"NextToken": token} if token else {}))
        for m in page.get("GroupMemberships", []):
            uid = m["MemberId"]["UserId"]
            members.append(ids.describe_user(IdentityStoreId=store, UserId=uid)["UserName"])
        token = page.get("NextToken")
        if not token:
            return sorted(members)
