"""EventBridge rules (the secure lab's corrective control): targets removed, then the rule."""
from __future__ import annotations

from typing import Iterator

from helpers.aws import pages, quiet, tag_dict
from helpers.resources.base import Listing, Resource
from helpers.resources.registry import deleter, lister


@lister("events", ["rule"])
def list_rules(ctx: Listing) -> Iterator[Resource]:
    ev = ctx.client("events")
    for rule, t in ctx.tagged(pages(ev, "list_rules", "Rules"),
                              lambda rule: tag_dict(ev.list_tags_for_resource(ResourceARN=rule["Arn"]).get("Tags"))):
        yield ctx.res("events", "rule", rule["Name"], rule["Name"], arn=rule["Arn"], tags=t,
                      state=rule.get("State", ""), extra={"bus": rule.get("EventBusName", "default")})


@deleter("events", "rule", phase=7, title="EventBridge rules and targets")
def delete_rule(ctx, r, st):
    ev = ctx.client("events", r.region)
    bus = r.extra.get("bus", "default")
    targets = [t["Id"] for t in pages(ev, "list_targets_by_rule", "Targets", Rule=r.id, EventBusName=bus)]
    if targets:
        quiet(ev.remove_targets, Rule=r.id, EventBusName=bus, Ids=targets, Force=True)
        st.detail = f"{len(targets)} target(s) removed first"
    ev.delete_rule(Name=r.id, EventBusName=bus, Force=True)
    st.started = True
    return "deleted"
