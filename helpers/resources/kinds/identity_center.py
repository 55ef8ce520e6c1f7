"""IAM Identity Center: the event's permission set, and the identity store's racer group,
its memberships and the racers' users (`labs.deepracer_event.identity`).

The identity store keeps no tags: the group is found by its name, `<event>-racers`; its
memberships and users through the group, and racers already taken out of the group through
the `user_id`s in the event's roster table (`<event>-racers`). Permission sets are tagged;
where their tags cannot be read (the local emulator) their name decides: `<event>-racer`,
cut to 32 characters. Memberships go before users and groups; a permission set's account
assignments are removed before it.
"""
from __future__ import annotations

from typing import Iterator

from botocore.exceptions import ClientError

from helpers.aws import is_not_found, pages, tag_dict, unavailable
from helpers.resources.base import Listing, NotYet, Resource, synchronous
from helpers.resources.registry import deleter, kind, lister
from helpers.tagging import EVENT_TAG, WORKSHOP_TAG, WORKSHOP_VALUE


@lister("identitystore", [("sso-admin", "permission-set"), "group-membership", "user", "group"], named=True)
def list_identity_center(ctx: Listing) -> Iterator[Resource]:
    sso = ctx.client("sso-admin")
    instances = sso.list_instances().get("Instances", [])
    if not instances:
        return
    inst = instances[0]
    yield from _permission_sets(ctx, sso, inst["InstanceArn"])
    for ev in sorted(ctx.events):
        yield from _racers(ctx, inst["IdentityStoreId"], ev)


def _permission_sets(ctx: Listing, sso, instance_arn: str) -> Iterator[Resource]:
    by_name = {f"{ev}-racer"[:32]: ev for ev in ctx.events}
    tags_readable = True
    for ps_arn in pages(sso, "list_permission_sets", "PermissionSets", InstanceArn=instance_arn):
        t: dict[str, str] = {}
        if tags_readable:
            try:
                t = tag_dict(list(pages(sso, "list_tags_for_resource", "Tags", InstanceArn=instance_arn,
                                        ResourceArn=ps_arn)))
            except ClientError as exc:
                reason = unavailable(exc, ctx.local)
                if reason is None:
                    raise
                tags_readable = False
                ctx.gap("sso-admin", "permission-set", "tags: " + reason +
                        "; found by the naming convention <event>-racer instead")
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


def _racers(ctx: Listing, store: str, ev: str) -> Iterator[Resource]:
    ids, ddb = ctx.client("identitystore"), ctx.client("dynamodb")
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
        for m in pages(ids, "list_group_memberships", "GroupMemberships", IdentityStoreId=store, GroupId=gid):
            members.append((m["MembershipId"], m["MemberId"].get("UserId", "")))
    # Racers taken out of the group but not deleted are still in the event's roster table.
    users = dict.fromkeys(uid for _, uid in members if uid)
    try:
        for item in pages(ddb, "scan", "Items", TableName=f"{ev}-racers", ProjectionExpression="email, user_id"):
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


# -- deleting ------------------------------------------------------------------------------------
@deleter("sso-admin", "permission-set", phase=15, title="permission sets (and their account assignments)")
def delete_permission_set(ctx, r, st):
    sso = ctx.client("sso-admin", r.region)
    inst = r.extra["instance_arn"]
    pending = 0
    for account in pages(sso, "list_accounts_for_provisioned_permission_set", "AccountIds",
                         InstanceArn=inst, PermissionSetArn=r.id):
        for a in pages(sso, "list_account_assignments", "AccountAssignments", InstanceArn=inst,
                       AccountId=account, PermissionSetArn=r.id):
            out = sso.delete_account_assignment(InstanceArn=inst, TargetId=account, TargetType="AWS_ACCOUNT",
                                                PermissionSetArn=r.id, PrincipalType=a["PrincipalType"],
                                                PrincipalId=a["PrincipalId"])
            status = out.get("AccountAssignmentDeletionStatus", {}).get("Status", "SUCCEEDED")
            pending += status == "IN_PROGRESS"
            st.detail = "account assignments removed first"
    if pending:
        st.started = True
        raise NotYet(f"{pending} account assignment(s) are being removed")
    sso.delete_permission_set(InstanceArn=inst, PermissionSetArn=r.id)
    st.started = True
    return "deleted"


def _store_call(what: str, id_field: str):
    """describe_<what>, then delete_<what>, in the resource's identity store: asked first, a
    missing entity answers "not found", which the cleanup reports as already gone."""
    def call(ctx, r: Resource) -> None:
        ids = ctx.client("identitystore")
        key = {"IdentityStoreId": r.extra["store"], id_field: r.id}
        getattr(ids, f"describe_{what}")(**key)
        getattr(ids, f"delete_{what}")(**key)
    return synchronous(call)


kind("identitystore", "group-membership", phase=15, title="group memberships",
     delete=_store_call("group_membership", "MembershipId"))
kind("identitystore", "user", phase=16, title="identity-store users", after=["group-membership"],
     delete=_store_call("user", "UserId"))
kind("identitystore", "group", phase=17, title="identity-store groups", after=["group-membership"],
     delete=_store_call("group", "GroupId"))
