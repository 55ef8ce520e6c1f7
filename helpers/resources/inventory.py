"""What the workshop created: an inventory by tag, service by service.

Every resource a lab creates carries `workshop=ml-events` and `event=<name>`
(see `helpers.tagging`). `list_resources` finds them across the services the
labs use and returns one `Resource` per thing, which `helpers.resources.cleanup`
then deletes in dependency order. How each service is listed lives with that
service's kinds, in `helpers.resources.kinds` (see `helpers.resources.registry`);
this module runs the listers and gathers what they find.

How each kind is found (`Resource.found_by`):

* ``tag`` - the service lists it with its tags (most kinds);
* ``name`` - the API keeps no tags the workshop can read, so the labs'
  naming conventions find it: identity-store groups are ``<event>-racers``
  (`labs.deepracer_event.identity`), budgets ``<event>-deepracer`` (`labs.deepracer_event.spend`),
  Lambda log groups ``/aws/lambda/<event>-*``;
* ``parent`` - it belongs to a tagged (or named) resource: event source
  mappings of workshop functions, members of the event's racer group, racers'
  identity-store users (members of the group, or `user_id`s in the event's
  roster table), lifecycle configs of workshop notebook instances, the home
  file system (EFS) and user profiles/apps of a workshop Studio domain;
* ``tagging-api`` - aws mode only: anything else the Resource Groups Tagging
  API knows with the workshop tags, listed so that nothing tagged is missed
  (the cleanup reports it for a person to delete).

`tags` narrows the inventory to resources carrying more tags (the secure lab's
`project` and `environment`); untagged resources found through an owner (a
function's log group, a domain's apps) are kept when their owner is.

Naming-convention lookups need event names. With ``event=None`` (every event
of the workshop) they use the event names seen in tags; pass ``event``
explicitly to find an event's untagged leftovers once its tagged resources
are gone.

Local mode lists per service only: moto's Resource Groups Tagging API covers
a few services. Where the service (or the local emulator) lacks an API, the
inventory records a `Gap` with the reason instead of failing
(`Inventory.gaps`): e.g. moto 5.2 does not implement Studio user profiles.
KMS keys already scheduled for deletion count as gone and are left out.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Iterable

from botocore.exceptions import BotoCoreError, ClientError

from helpers.aws import BILLING_REGION, error_code, is_not_found, pages, tag_dict, unavailable
from helpers.resources import registry
from helpers.resources.base import Gap, Listing, Resource, is_workshop

__all__ = ["BILLING_REGION", "Gap", "Inventory", "Resource", "gaps_table", "inventory_table", "is_not_found",
           "is_workshop", "list_resources", "summary", "unavailable"]


class Inventory(list):
    """A list of `Resource` with the gaps met on the way (`.gaps`) and the events seen (`.events`)."""

    def __init__(self, items: Iterable[Resource] = (), gaps: list[Gap] | None = None,
                 events: Iterable[str] = ()) -> None:
        super().__init__(items)
        self.gaps: list[Gap] = list(gaps or [])
        self.events: list[str] = sorted(set(events))

    def kinds(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self:
            k = f"{r.service}:{r.kind}"
            out[k] = out.get(k, 0) + 1
        return dict(sorted(out.items()))


def _run_lister(ctx: Listing, lister: registry.Lister) -> list[Resource]:
    try:
        return list(lister.run(ctx))
    except (ClientError, BotoCoreError, NotImplementedError) as exc:
        reason = unavailable(exc, ctx.local) or f"{error_code(exc)}: {exc}"[:300]
        ctx.gap(lister.service, "*", reason)
        return []


def _tagging_api(ctx: Listing, known: list[Resource]) -> list[Resource]:
    """aws mode: whatever else carries the workshop tags (listed for a person to delete)."""
    filters = [{"Key": k, "Values": [v]} for k, v in ctx.scope.items()]
    seen = {r.arn for r in known if r.arn}
    seen |= {r.id for r in known}
    out = []
    try:
        items = list(pages(ctx.client("resourcegroupstaggingapi"), "get_resources", "ResourceTagMappingList",
                           TagFilters=filters))
    except (ClientError, BotoCoreError) as exc:
        ctx.gap("resourcegroupstaggingapi", "*", unavailable(exc, ctx.local) or str(exc)[:300])
        return out
    for item in items:
        arn = item["ResourceARN"]
        if arn in seen or any(arn.endswith(x) for x in seen if x and len(x) > 8):
            continue
        parts = arn.split(":", 5)
        service = parts[2] if len(parts) > 2 else "?"
        rest = parts[5] if len(parts) > 5 else arn
        kind = rest.split("/", 1)[0].split(":", 1)[0] if ("/" in rest or ":" in rest) else "resource"
        out.append(ctx.res(service, kind, rest, arn, arn=arn, tags=tag_dict(item.get("Tags")), found_by="tagging-api",
                           region=parts[3] if len(parts) > 3 else ""))
    return out


def _in_scope(found: list[Resource], tags: dict[str, str]) -> list[Resource]:
    """What carries `tags`, and the untagged resources that belong to it (found through it)."""
    kept = [r for r in found if all(r.tags.get(k) == v for k, v in tags.items())]
    rest = [r for r in found if r.found_by != "tag" and r.parent and r not in kept]
    while rest:  # a dependent of a dependent (a domain's app, a group's membership) joins in turn
        owners = {x for r in kept for x in (r.name, r.id)}
        joined = [r for r in rest if r.parent in owners]
        if not joined:
            break
        kept += joined
        rest = [r for r in rest if r.parent not in owners]
    return kept


def list_resources(session, *, event: str | None = None, services: Iterable[str] | None = None,
                   tags: dict[str, str] | None = None) -> Inventory:
    """Every workshop resource (of one event, or of all events when `event` is None).

    `services` limits the listing to some services (boto3 client names); `tags` to the
    resources that also carry these tags (and what belongs to them), e.g.
    `tags={"project": "review-insights"}`."""
    reg = registry.load()
    ctx = Listing(session, event, tags)
    wanted = set(services) if services else None
    found: list[Resource] = []
    # Tagged kinds first (they reveal the event names), then those found by naming convention
    # or through the tagged ones.
    for named in (False, True):
        todo = [lister for lister in reg.listers() if lister.named == named
                and (wanted is None or lister.service in wanted)]
        ctx.found = list(found)
        workers = 1 if ctx.local else 8  # the local runtime serialises calls anyway
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_run_lister, ctx, lister) for lister in todo]
            for future in futures:
                found += future.result()
    if not ctx.local and wanted is None:
        found += _tagging_api(ctx, found)
    if tags:
        found = _in_scope(found, tags)
    unique: dict[tuple[str, str, str], Resource] = {}
    for r in found:
        unique.setdefault(r.key, r)
    items = sorted(unique.values(), key=lambda r: (r.service, r.kind, r.name))
    return Inventory(items, ctx.gaps, ctx.events)


def inventory_table(resources: Iterable[Resource]):
    """One row per resource, for people: service, kind, name, event, how it was found, state, id."""
    from helpers.report import table

    rows = [{"service": r.service, "kind": r.kind, "name": r.name, "event": r.event, "found by": r.found_by,
             "state": r.state, "region": r.region, "id / ARN": r.arn or r.id} for r in resources]
    return table(rows, columns=["service", "kind", "name", "event", "found by", "state", "region", "id / ARN"])


def gaps_table(inventory: Inventory):
    from helpers.report import table

    return table([g.__dict__ for g in getattr(inventory, "gaps", [])], columns=["service", "kind", "reason"])


def summary(resources: Iterable[Resource]) -> str:
    """"N workshop resources (k kinds)" - a line for checks and reports."""
    items = list(resources)
    kinds = {(r.service, r.kind) for r in items}
    return f"{len(items)} workshop resource{'s' if len(items) != 1 else ''} ({len(kinds)} kinds)"
