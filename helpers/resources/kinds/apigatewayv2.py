"""HTTP APIs (the registration portal's, the QA lab's): before the functions they integrate."""
from __future__ import annotations

from typing import Iterator

from helpers.aws import pages
from helpers.resources.base import Listing, Resource, synchronous
from helpers.resources.registry import kind, lister


@lister("apigatewayv2", ["http-api"])
def list_http_apis(ctx: Listing) -> Iterator[Resource]:
    for api in pages(ctx.client("apigatewayv2"), "get_apis", "Items"):
        t = api.get("Tags") or {}
        if ctx.match(t):
            yield ctx.res("apigatewayv2", "http-api", api["Name"], api["ApiId"], tags=t,
                          arn=f"arn:aws:apigateway:{ctx.region}::/apis/{api['ApiId']}")


def _delete_api(ctx, r) -> None:
    api = ctx.client("apigatewayv2", r.region)
    api.get_api(ApiId=r.id)  # asked first: a missing API answers "not found" here (already gone)
    api.delete_api(ApiId=r.id)


kind("apigatewayv2", "http-api", phase=7, title="HTTP APIs", delete=synchronous(_delete_api))
