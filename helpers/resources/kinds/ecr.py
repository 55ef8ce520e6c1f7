"""ECR repositories (the QA lab's image): deleted with their images (`force`)."""
from __future__ import annotations

from typing import Iterator

from helpers.aws import pages, tag_dict
from helpers.resources.base import Listing, Resource, synchronous
from helpers.resources.registry import kind, lister


@lister("ecr", ["repository"])
def list_repositories(ctx: Listing) -> Iterator[Resource]:
    ecr = ctx.client("ecr")
    for repo, t in ctx.tagged(pages(ecr, "describe_repositories", "repositories"), lambda repo: tag_dict(
            ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"]).get("tags"))):
        yield ctx.res("ecr", "repository", repo["repositoryName"], repo["repositoryName"],
                      arn=repo["repositoryArn"], tags=t)


kind("ecr", "repository", phase=9, title="ECR repositories", after=[("lambda", "function")],
     delete=synchronous(lambda c, r: c.client("ecr", r.region).delete_repository(repositoryName=r.id, force=True)))
