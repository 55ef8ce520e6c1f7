"""CloudFormation stacks (the registration lab's): first, since their resources go with them."""
from __future__ import annotations

from typing import Iterator

from helpers.aws import client_error, or_gone, pages, tag_dict
from helpers.resources.base import Listing, NotYet, Resource, gone_after
from helpers.resources.registry import deleter, lister


@lister("cloudformation", ["stack"])
def list_stacks(ctx: Listing) -> Iterator[Resource]:
    for st in pages(ctx.client("cloudformation"), "describe_stacks", "Stacks"):
        if st.get("StackStatus") == "DELETE_COMPLETE":
            continue
        t = tag_dict(st.get("Tags"))
        if ctx.match(t):
            yield ctx.res("cloudformation", "stack", st["StackName"], st["StackName"], arn=st.get("StackId", ""),
                          tags=t, state=st.get("StackStatus", ""))


@deleter("cloudformation", "stack", phase=1, title="CloudFormation stacks (their resources go with them)")
def delete_stack(ctx, r, st):
    cfn = ctx.client("cloudformation", r.region)

    def status():
        s = or_gone(lambda: cfn.describe_stacks(StackName=r.arn or r.id)["Stacks"][0])
        if s is None or s["StackStatus"] == "DELETE_COMPLETE":
            return None
        if s["StackStatus"] == "DELETE_FAILED" and st.started:
            raise client_error("DeleteFailed", s.get("StackStatusReason", ""), "DeleteStack")
        return s["StackStatus"]

    current = status()
    if current is None:
        return "deleted"
    if current.endswith("_IN_PROGRESS") and not current.startswith("DELETE"):
        raise NotYet(f"stack is {current}")
    if not st.started:
        cfn.delete_stack(StackName=r.id)
    return gone_after(st, status, "stack")
