"""Secrets Manager secrets (the event admin's DeepRacer on AWS password, `labs.deepracer_event.solution`, and the
registration function's service user): deleted at once, without the 7-30 day recovery window, because the
workshop's secrets are recreated by re-running the notebooks."""
from __future__ import annotations

from typing import Iterator

from helpers.aws import or_gone, pages, tag_dict
from helpers.resources.base import Listing, Resource
from helpers.resources.registry import deleter, lister


@lister("secretsmanager", ["secret"])
def list_secrets(ctx: Listing) -> Iterator[Resource]:
    for s in pages(ctx.client("secretsmanager"), "list_secrets", "SecretList"):
        t = tag_dict(s.get("Tags"))
        if s.get("DeletedDate") is None and ctx.match(t):
            yield ctx.res("secretsmanager", "secret", s["Name"], s["ARN"], arn=s["ARN"], tags=t)


@deleter("secretsmanager", "secret", phase=20, title="secrets")
def delete_secret(ctx, r, st):
    sm = ctx.client("secretsmanager", r.region)
    found = or_gone(lambda: sm.describe_secret(SecretId=r.id))
    if found is None or found.get("DeletedDate"):
        return "deleted"  # nothing to do: reported as already gone
    sm.delete_secret(SecretId=r.id, ForceDeleteWithoutRecovery=True)
    st.started = True
    return "deleted"
