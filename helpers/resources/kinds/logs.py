"""CloudWatch log groups of the workshop's Lambda functions.

Lambda creates them, untagged: they are found by name, `/aws/lambda/<event>-*` (functions
named after the event, including ones already deleted), and as the log groups of the
workshop's functions. They go after the functions, which would otherwise write them again.
"""
from __future__ import annotations

from typing import Iterator

from helpers.aws import pages
from helpers.resources.base import Listing, Resource, synchronous
from helpers.resources.registry import kind, lister
from helpers.tagging import EVENT_TAG, WORKSHOP_TAG, WORKSHOP_VALUE


@lister("logs", ["log-group"], named=True)
def list_function_log_groups(ctx: Listing) -> Iterator[Resource]:
    logs = ctx.client("logs")
    functions = {r.id for r in ctx.found_of("lambda", "function")}
    seen: set[str] = set()
    prefixes = [(f"/aws/lambda/{ev}-", ev) for ev in sorted(ctx.events)]
    prefixes += [(f"/aws/lambda/{fn}", "") for fn in sorted(functions)]
    for prefix, ev in prefixes:
        for g in pages(logs, "describe_log_groups", "logGroups", logGroupNamePrefix=prefix):
            name = g["logGroupName"]
            if name in seen or (not ev and name != prefix):
                continue
            seen.add(name)
            tags = {WORKSHOP_TAG: WORKSHOP_VALUE, EVENT_TAG: ev} if ev else {WORKSHOP_TAG: WORKSHOP_VALUE}
            function = name.rsplit("/", 1)[-1]
            # A group found by its name still belongs to its function when that is the workshop's.
            yield ctx.res("logs", "log-group", name, name, arn=g.get("arn", ""), tags=tags,
                          found_by="name" if ev else "parent",
                          parent=function if not ev or function in functions else "")


kind("logs", "log-group", phase=9, title="log groups", after=[("lambda", "function")],
     delete=synchronous(lambda c, r: c.client("logs", r.region).delete_log_group(logGroupName=r.id)))
