"""KMS keys (the secure lab's): scheduled for deletion, never deleted at once.

AWS allows no immediate deletion: a key is *scheduled* for deletion after a waiting period
of 7 to 30 days, during which it can be cancelled. The cleanup takes the minimum, 7 days,
and removes the key's aliases at once (so that provisioning again creates a new key). A
key already pending deletion counts as gone and is not listed. Keys go after what they
encrypt.
"""
from __future__ import annotations

from typing import Iterator

from botocore.exceptions import ClientError

from helpers.aws import error_code, is_not_found, pages, quiet, tag_dict
from helpers.resources.base import Listing, Resource
from helpers.resources.registry import deleter, lister

#: The waiting period before a scheduled key is deleted (the minimum AWS allows).
KMS_PENDING_DAYS = 7
_PENDING = ("PendingDeletion", "PendingReplicaDeletion")


@lister("kms", ["key"])
def list_keys(ctx: Listing) -> Iterator[Resource]:
    kms = ctx.client("kms")
    aliases: dict[str, list[str]] = {}
    for a in pages(kms, "list_aliases", "Aliases"):
        if a.get("TargetKeyId"):
            aliases.setdefault(a["TargetKeyId"], []).append(a["AliasName"])
    for k in pages(kms, "list_keys", "Keys"):
        meta = kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]
        if meta.get("KeyManager") == "AWS" or meta.get("KeyState") in _PENDING:
            continue  # AWS-managed keys are not ours; keys scheduled for deletion count as gone
        try:
            t = tag_dict(list(pages(kms, "list_resource_tags", "Tags", KeyId=k["KeyId"])), "TagKey", "TagValue")
        except ClientError as exc:
            if is_not_found(exc) or error_code(exc) == "AccessDeniedException":
                continue
            raise
        if ctx.match(t):
            names = aliases.get(k["KeyId"], [])
            yield ctx.res("kms", "key", names[0] if names else k["KeyId"], k["KeyId"], arn=meta.get("Arn", ""),
                          tags=t, state=meta.get("KeyState", ""), extra={"aliases": names})


@deleter("kms", "key", phase=14, title="KMS keys", action="schedule deletion",
         after=[("s3", "bucket"), ("sagemaker", "notebook-instance"), ("dynamodb", "table")],
         note=f"KMS keys are scheduled for deletion ({KMS_PENDING_DAYS}-day window)")
def schedule_key_deletion(ctx, r, st):
    kms = ctx.client("kms", r.region)
    meta = kms.describe_key(KeyId=r.id)["KeyMetadata"]
    if meta.get("KeyState") in _PENDING:
        st.detail = f"already pending deletion (on {meta.get('DeletionDate', '?')})"
        return "already gone"
    for alias in pages(kms, "list_aliases", "Aliases", KeyId=r.id):
        quiet(kms.delete_alias, AliasName=alias["AliasName"])
    out = kms.schedule_key_deletion(KeyId=r.id, PendingWindowInDays=KMS_PENDING_DAYS)
    when = out.get("DeletionDate")
    st.detail = f"deleted on {when:%Y-%m-%d}" if hasattr(when, "strftime") else f"in {KMS_PENDING_DAYS} days"
    st.started = True
    return "scheduled for deletion"
