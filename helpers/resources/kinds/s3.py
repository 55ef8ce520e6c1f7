"""S3 buckets: emptied of every object version and delete marker, then deleted."""
from __future__ import annotations

from typing import Iterator

from botocore.exceptions import ClientError

from helpers.aws import client_error, error_code, is_not_found, tag_dict
from helpers.resources.base import Listing, Resource
from helpers.resources.registry import deleter, lister


@lister("s3", ["bucket"])
def list_buckets(ctx: Listing) -> Iterator[Resource]:
    s3 = ctx.client("s3")
    for b in s3.list_buckets().get("Buckets", []):
        name = b["Name"]
        try:
            t = tag_dict(s3.get_bucket_tagging(Bucket=name).get("TagSet"))
        except ClientError as exc:
            if not (is_not_found(exc) or error_code(exc) == "AccessDenied"):
                # one unreadable bucket (another region's policy, say) must not hide the others
                ctx.gap("s3", "bucket", f"{name}: tags unreadable ({error_code(exc)}: {exc})"[:300])
            continue
        if ctx.match(t):
            region = s3.get_bucket_location(Bucket=name).get("LocationConstraint") or "us-east-1"
            versioning = s3.get_bucket_versioning(Bucket=name).get("Status", "Unversioned")
            yield ctx.res("s3", "bucket", name, name, arn=f"arn:aws:s3:::{name}", tags=t, region=region,
                          state=f"versioning {versioning}")


@deleter("s3", "bucket", phase=9, title="buckets (every object version and delete marker)",
         note="every object version and delete marker first")
def delete_bucket(ctx, r, st):
    s3 = ctx.client("s3", r.region)
    # A "deny unless from the VPC endpoint" bucket policy (the secure lab's) would refuse the
    # object deletions below from outside the VPC: the owner removes it first.
    try:
        s3.delete_bucket_policy(Bucket=r.id)
    except ClientError as exc:
        if error_code(exc) not in ("NoSuchBucketPolicy",) and not is_not_found(exc):
            raise
    versions = markers = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=r.id):
        batch = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in page.get("Versions", [])]
        marks = [{"Key": m["Key"], "VersionId": m["VersionId"]} for m in page.get("DeleteMarkers", [])]
        objects = batch + marks
        for i in range(0, len(objects), 1000):  # DeleteObjects takes 1,000 keys at most
            out = s3.delete_objects(Bucket=r.id, Delete={"Objects": objects[i:i + 1000], "Quiet": True})
            if out.get("Errors"):
                e = out["Errors"][0]
                raise client_error(e.get("Code", "DeleteObjectsFailed"), f"{len(out['Errors'])} object(s) not "
                                   f"deleted, e.g. {e.get('Key')}: {e.get('Message', '')}", "DeleteObjects")
        versions += len(batch)
        markers += len(marks)
    for up in s3.list_multipart_uploads(Bucket=r.id).get("Uploads", []):
        s3.abort_multipart_upload(Bucket=r.id, Key=up["Key"], UploadId=up["UploadId"])
    if versions or markers:
        st.started = True
        st.detail = f"{versions} object version(s) and {markers} delete marker(s) removed"
    s3.delete_bucket(Bucket=r.id)
    st.started = True
    return "deleted"
