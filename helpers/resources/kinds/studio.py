"""SageMaker Studio: domains, their user profiles and apps, and the home file system (EFS).

Only the domain carries tags; its user profiles, apps and home file system are found
through it. Apps go before their user profiles, profiles before the domain, and the domain
is deleted with `HomeEfsFileSystem: Delete` (the file system is listed too, so that one
left behind by an earlier attempt is deleted in the EFS phase).
"""
from __future__ import annotations

import json
from typing import Iterator

from botocore.exceptions import ClientError

from helpers.aws import is_not_found, or_gone, pages, tag_dict
from helpers.resources.base import Listing, NotYet, Resource, gone_after
from helpers.resources.kinds.sagemaker import tags_of
from helpers.resources.registry import deleter, lister

_PARTS = (("user-profile", "list_user_profiles", "UserProfiles", lambda u: u["UserProfileName"]),
          ("app", "list_apps", "Apps", lambda a: f"{a.get('UserProfileName') or a.get('SpaceName', '')}/"
                                                 f"{a['AppType']}/{a['AppName']}"))


@lister("sagemaker", ["domain", "user-profile", "app", ("efs", "file-system")])
def list_studio(ctx: Listing) -> Iterator[Resource]:
    sm = ctx.client("sagemaker")
    yield from ctx.section("sagemaker", "domain", lambda: _domains(ctx, sm))


def _domains(ctx: Listing, sm) -> Iterator[Resource]:
    for d in list(pages(sm, "list_domains", "Domains")):
        t = tags_of(sm, d["DomainArn"])
        if not ctx.match(t):
            continue
        domain_id = d["DomainId"]
        desc = sm.describe_domain(DomainId=domain_id)
        efs = desc.get("HomeEfsFileSystemId", "")
        yield ctx.res("sagemaker", "domain", d["DomainName"], domain_id, arn=d["DomainArn"], tags=t,
                      state=d.get("Status", ""), extra={"efs": efs})
        for kind, op, key, name_of in _PARTS:
            try:
                items = list(pages(sm, op, key, DomainIdEquals=domain_id))
            except ClientError as exc:
                if not ctx.missing_api(exc, "sagemaker", kind, prefix=f"domain {d['DomainName']}: "):
                    raise
                continue
            for item in items:
                if item.get("Status") in ("Deleted",):
                    continue
                yield ctx.res("sagemaker", kind, name_of(item), json.dumps(item, default=str, sort_keys=True),
                              found_by="parent", parent=domain_id, state=item.get("Status", ""),
                              extra={"item": item})
        if efs:
            yield from _home_file_system(ctx, d, efs)


def _home_file_system(ctx: Listing, d: dict, efs: str) -> Iterator[Resource]:
    try:
        fs = ctx.client("efs").describe_file_systems(FileSystemId=efs)["FileSystems"]
    except ClientError as exc:
        if ctx.missing_api(exc, "efs", "file-system", hint=False):
            return
        if not is_not_found(exc):
            raise
        fs = []
        ctx.gap("efs", "file-system", f"domain {d['DomainName']}: its home file system {efs} does not exist"
                + (" (the local emulator creates none)" if ctx.local else ""))
    for f in fs:
        yield ctx.res("efs", "file-system", f.get("Name") or f["FileSystemId"], f["FileSystemId"],
                      arn=f.get("FileSystemArn", ""), tags=tag_dict(f.get("Tags")), found_by="parent",
                      parent=d["DomainId"], state=f.get("LifeCycleState", ""))


# -- deleting ------------------------------------------------------------------------------------
@deleter("sagemaker", "app", phase=3, title="Studio apps")
def delete_app(ctx, r, st):
    sm = ctx.client("sagemaker", r.region)
    item = r.extra.get("item", {})
    key = {"DomainId": item.get("DomainId", r.parent), "AppType": item["AppType"], "AppName": item["AppName"]}
    key.update({k: item[k] for k in ("UserProfileName", "SpaceName") if item.get(k)})
    status = sm.describe_app(**key).get("Status", "")
    if status == "Deleted":
        return "deleted"
    if status == "Pending":
        raise NotYet("app is Pending")
    if status != "Deleting":
        sm.delete_app(**key)

    def check():
        s = sm.describe_app(**key).get("Status", "")
        return None if s in ("Deleted", "") else s

    return gone_after(st, check, "app")


@deleter("sagemaker", "user-profile", phase=4, title="Studio user profiles", after=["app"])
def delete_user_profile(ctx, r, st):
    sm = ctx.client("sagemaker", r.region)
    name = r.extra.get("item", {}).get("UserProfileName", r.name)
    if not st.started:
        sm.delete_user_profile(DomainId=r.parent, UserProfileName=name)

    def check():
        return or_gone(lambda: sm.describe_user_profile(DomainId=r.parent, UserProfileName=name)["Status"])

    return gone_after(st, check, "user profile")


@deleter("sagemaker", "domain", phase=5, title="Studio domains", after=["app", "user-profile"])
def delete_domain(ctx, r, st):
    sm = ctx.client("sagemaker", r.region)
    if not st.started:
        sm.delete_domain(DomainId=r.id, RetentionPolicy={"HomeEfsFileSystem": "Delete"})

    def check():
        return or_gone(lambda: sm.describe_domain(DomainId=r.id)["Status"])

    return gone_after(st, check, "domain")
