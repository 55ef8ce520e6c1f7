"""DynamoDB tables: after the event source mappings that read their streams."""
from __future__ import annotations

from typing import Iterator

from botocore.exceptions import ClientError

from helpers.aws import is_not_found, or_gone, pages, tag_dict
from helpers.resources.base import Listing, NotYet, Resource, gone_after
from helpers.resources.registry import deleter, lister


@lister("dynamodb", ["table"])
def list_tables(ctx: Listing) -> Iterator[Resource]:
    ddb = ctx.client("dynamodb")
    for name in pages(ddb, "list_tables", "TableNames"):
        try:
            table = ddb.describe_table(TableName=name)["Table"]
            t = tag_dict(list(pages(ddb, "list_tags_of_resource", "Tags", ResourceArn=table["TableArn"])))
        except ClientError as exc:
            if is_not_found(exc):
                continue
            raise
        if ctx.match(t):
            yield ctx.res("dynamodb", "table", name, name, arn=table["TableArn"], tags=t,
                          state=table.get("TableStatus", ""))


@deleter("dynamodb", "table", phase=9, title="DynamoDB tables", after=[("lambda", "event-source-mapping")])
def delete_table(ctx, r, st):
    ddb = ctx.client("dynamodb", r.region)
    if not st.started:
        status = ddb.describe_table(TableName=r.id)["Table"]["TableStatus"]
        if status in ("CREATING", "UPDATING"):
            raise NotYet(f"table is {status}")
        if status != "DELETING":
            ddb.delete_table(TableName=r.id)

    def check():
        return or_gone(lambda: ddb.describe_table(TableName=r.id)["Table"]["TableStatus"])

    return gone_after(st, check, "table")
