"""SQS queues: after the event source mappings that read them."""
from __future__ import annotations

from typing import Iterator

from botocore.exceptions import ClientError

from helpers.aws import is_not_found, pages
from helpers.resources.base import Listing, Resource, synchronous
from helpers.resources.registry import kind, lister


@lister("sqs", ["queue"])
def list_queues(ctx: Listing) -> Iterator[Resource]:
    sqs = ctx.client("sqs")
    for url in pages(sqs, "list_queues", "QueueUrls"):
        try:
            t = sqs.list_queue_tags(QueueUrl=url).get("Tags", {})
        except ClientError as exc:
            if is_not_found(exc):
                continue
            raise
        if ctx.match(t):
            attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
            yield ctx.res("sqs", "queue", url.rsplit("/", 1)[-1], url, arn=attrs.get("QueueArn", ""), tags=t)


kind("sqs", "queue", phase=9, title="SQS queues", after=[("lambda", "event-source-mapping")],
     delete=synchronous(lambda c, r: c.client("sqs", r.region).delete_queue(QueueUrl=r.id)))
