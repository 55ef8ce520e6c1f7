"""Budgets (the event's DeepRacer budget, `labs.deepracer_event.spend`): by tag, or by the name `<event>-deepracer`
where the tags cannot be read (the local emulator keeps none)."""
from __future__ import annotations

from typing import Iterator

from botocore.exceptions import BotoCoreError, ClientError

from helpers.aws import BILLING_REGION, pages, tag_dict
from helpers.resources.base import Listing, Resource, synchronous
from helpers.resources.registry import kind, lister
from helpers.tagging import EVENT_TAG, WORKSHOP_TAG, WORKSHOP_VALUE


@lister("budgets", ["budget"], named=True)
def list_budgets(ctx: Listing) -> Iterator[Resource]:
    budgets = ctx.client("budgets", BILLING_REGION)
    acct = ctx.session.account_id
    wanted = {f"{ev}-deepracer": ev for ev in ctx.events}
    for b in pages(budgets, "describe_budgets", "Budgets", AccountId=acct):
        name = b["BudgetName"]
        arn = f"arn:aws:budgets::{acct}:budget/{name}"
        t: dict[str, str] = {}
        try:
            t = tag_dict(budgets.list_tags_for_resource(ResourceARN=arn).get("ResourceTags"))
        except (ClientError, NotImplementedError, BotoCoreError):
            t = {}  # the emulator keeps no budget tags: the name decides
        if ctx.match(t):
            yield ctx.res("budgets", "budget", name, name, arn=arn, tags=t, region="global")
        elif name in wanted and not t:
            yield ctx.res("budgets", "budget", name, name, arn=arn, found_by="name", region="global",
                          tags={WORKSHOP_TAG: WORKSHOP_VALUE, EVENT_TAG: wanted[name]})


kind("budgets", "budget", phase=21, title="budgets", delete=synchronous(
    lambda c, r: c.client("budgets", BILLING_REGION).delete_budget(AccountId=c.session.account_id, BudgetName=r.id)))
