"""Lambda functions (tagged) and their event source mappings (found through the functions).

Mappings go before their functions; a function goes after the rules, APIs and mappings
that invoke it, so that nothing calls it while it is being deleted.
"""
from __future__ import annotations

from typing import Iterator

from botocore.exceptions import ClientError

from helpers.aws import is_not_found, or_gone, pages
from helpers.resources.base import Listing, NotYet, Resource, gone_after, synchronous
from helpers.resources.registry import deleter, kind, lister


@lister("lambda", ["function"])
def list_functions(ctx: Listing) -> Iterator[Resource]:
    lam = ctx.client("lambda")
    for fn in pages(lam, "list_functions", "Functions"):
        try:
            t = lam.list_tags(Resource=fn["FunctionArn"]).get("Tags", {})
        except ClientError as exc:
            if is_not_found(exc):
                continue
            raise
        if ctx.match(t):
            yield ctx.res("lambda", "function", fn["FunctionName"], fn["FunctionName"], arn=fn["FunctionArn"],
                          tags=t, state=fn.get("State", ""))


@lister("lambda", ["event-source-mapping"], named=True)
def list_event_source_mappings(ctx: Listing) -> Iterator[Resource]:
    """Event source mappings carry no workshop tags: they belong to the workshop's functions
    (or, once a function is gone, to a function named after the event: "<event>-...")."""
    functions = {r.id: r.tags for r in ctx.found_of("lambda", "function")}
    prefixes = tuple(f"{e}-" for e in ctx.events)
    for m in pages(ctx.client("lambda"), "list_event_source_mappings", "EventSourceMappings"):
        fname = m.get("FunctionArn", "").split(":function:")[-1].split(":")[0]
        if fname in functions or (prefixes and fname.startswith(prefixes)):
            source = m.get("EventSourceArn", "")
            if ":table/" in source:  # a DynamoDB stream: name it after its table
                source = source.split(":table/", 1)[1].split("/")[0] + " stream"
            else:
                source = source.split(":")[-1]
            yield ctx.res("lambda", "event-source-mapping", f"{fname} <- {source}", m["UUID"],
                          arn=m.get("EventSourceMappingArn", ""), tags=functions.get(fname, {}),
                          found_by="parent", parent=fname, state=m.get("State", ""))


@deleter("lambda", "event-source-mapping", phase=7, title="event source mappings")
def delete_event_source_mapping(ctx, r, st):
    lam = ctx.client("lambda", r.region)
    if not st.started:
        state = lam.get_event_source_mapping(UUID=r.id).get("State", "")
        if state in ("Creating", "Updating", "Enabling", "Disabling"):
            raise NotYet(f"event source mapping is {state}")
        if state != "Deleting":
            lam.delete_event_source_mapping(UUID=r.id)

    def check():
        return or_gone(lambda: lam.get_event_source_mapping(UUID=r.id).get("State", "Deleting"))

    return gone_after(st, check, "event source mapping")


kind("lambda", "function", phase=8, title="Lambda functions",
     after=["event-source-mapping", ("events", "rule"), ("apigatewayv2", "http-api")],
     delete=synchronous(lambda c, r: c.client("lambda", r.region).delete_function(FunctionName=r.id)))
