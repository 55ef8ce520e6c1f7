"""EFS file systems: tagged ones, and (see `studio`) the home file system of a workshop Studio domain.

Mount targets go first; the file system can be deleted once they are gone.
"""
from __future__ import annotations

from typing import Iterator

from helpers.aws import or_gone, pages, quiet, tag_dict
from helpers.resources.base import Listing, NotYet, Resource, gone_after
from helpers.resources.registry import deleter, lister


@lister("efs", ["file-system"])
def list_file_systems(ctx: Listing) -> Iterator[Resource]:
    for f, t in ctx.tagged(pages(ctx.client("efs"), "describe_file_systems", "FileSystems"),
                           lambda f: tag_dict(f.get("Tags"))):
        yield ctx.res("efs", "file-system", f.get("Name") or f["FileSystemId"], f["FileSystemId"],
                      arn=f.get("FileSystemArn", ""), tags=t, state=f.get("LifeCycleState", ""))


@deleter("efs", "file-system", phase=6, title="home file systems (EFS)", after=[("sagemaker", "domain")])
def delete_file_system(ctx, r, st):
    efs = ctx.client("efs", r.region)
    targets = efs.describe_mount_targets(FileSystemId=r.id).get("MountTargets", [])
    for t in targets:
        if t.get("LifeCycleState") not in ("deleting", "deleted"):
            quiet(efs.delete_mount_target, MountTargetId=t["MountTargetId"])
    if targets:
        st.started = True
        raise NotYet(f"{len(targets)} mount target(s) are being deleted")
    efs.delete_file_system(FileSystemId=r.id)
    st.started = True

    def check():
        fs = or_gone(lambda: efs.describe_file_systems(FileSystemId=r.id)["FileSystems"])
        return fs[0]["LifeCycleState"] if fs and fs[0]["LifeCycleState"] != "deleted" else None

    return gone_after(st, check, "file system")
