"""Working with the roster: register, bulk import, statuses, re-drive, offboard."""
from __future__ import annotations

import csv
import json
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests
from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

from labs.registration.functions import register as register_function
from labs.registration.functions.validation import RegistrationError, parse_domains, validate_registration
from labs.registration.stack import RegistrationStack

_DESER = TypeDeserializer()
STATUSES = ("registered", "provisioned", "notified", "failed", "offboarded")


def register_via_api(stack: RegistrationStack, email: str, alias: str, experience: str = "beginner",
                     timeout: float = 15.0) -> tuple[int, dict]:
    """POST to the registration API exactly as the portal page does."""
    resp = requests.post(f"{stack.api_url.rstrip('/')}/register", timeout=timeout,
                         json={"email": email, "alias": alias, "experience": experience})
    try:
        return resp.status_code, resp.json()
    except ValueError:
        return resp.status_code, {"ok": False, "error": {"field": "", "message": resp.text[:200]}}


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    invitations: dict[str, int] = field(default_factory=dict)  # the solution's bulk job counts, summed
    jobs: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        return {"imported": len(self.imported), "already registered": len(self.duplicates),
                "rejected": len(self.rejected), **{f"solution: {k}": v for k, v in self.invitations.items()}}


def bulk_import(session, stack: RegistrationStack, csv_path: str | Path, allowed_domains: str,
                api=None, workers: int = 4, progress: bool = True, limit: int | None = None,
                chunk: int | None = None, client_token: str | None = None) -> ImportReport:
    """Register every row of a roster CSV (email, alias, experience), inviting them in bulk first.

    1. Every row is validated with the portal's own rules (bad rows reported with their line and
       reason; nothing half-written).
    2. With `api` (the admin's DeepRacer on AWS client), the valid rows are invited with
       `BulkInviteUser`, at most 200 per call (the model's limit), each job polled to completion: the
       solution creates each user and sends its invitation; existing users are SKIPPED, never invited
       twice. A stable `client_token` makes a retried call the same job.
    3. Rows are written to the roster with the same conditional put as the portal (already
       registered: a duplicate). The provisioning function then finds each racer already on the
       solution, records the profile, and sends the event email; a row whose invitation FAILED is
       invited again by the function (CreateProfile), retried and parked if it keeps failing.
    """
    from helpers.deepracer_on_aws.client import MODEL

    allowed = parse_domains(allowed_domains)
    with open(csv_path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))[:limit]
    report = ImportReport()
    valid: list[tuple[int, dict]] = []
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        data = {k: (row.get(k) or "") for k in ("email", "alias", "experience")}
        try:
            racer = validate_registration(data, allowed)
        except RegistrationError as exc:
            report.rejected.append({"line": line, "email": data["email"][:80], **exc.as_dict()})
            continue
        valid.append((line, racer))
    if api is not None and valid:
        size = min(chunk or MODEL["constraints"]["BulkInviteEntryList"]["max"],
                   MODEL["constraints"]["BulkInviteEntryList"]["max"])
        bar = _progress(len(valid), "inviting (BulkInviteUser)", progress, session.config.progress)
        for i in range(0, len(valid), size):
            part = valid[i:i + size]
            token = f"{client_token}-{i // size}" if client_token else None
            job = api.bulk_invite([{"emailAddress": r["email"], "displayName": r["alias"]} for _, r in part],
                                  client_token=token)
            report.jobs.append(job["jobId"])
            before = bar.n
            status = api.wait_bulk_invite(job["jobId"], progress=lambda st: bar.update(
                before + st["processedCount"] - bar.n))
            for key in ("createdCount", "skippedCount", "failedCount"):
                name = key.replace("Count", "")
                report.invitations[name] = report.invitations.get(name, 0) + status[key]
        bar.close()
    ddb = session.client("dynamodb")

    def one(item):
        line, racer = item
        try:
            register_function.register(racer, table=stack.racers_table, allowed=allowed, source="csv", client=ddb)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return ("duplicate", racer["email"])
            raise
        return ("imported", racer["email"])

    bar = _progress(len(valid), "registering", progress, session.config.progress)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for kind, value in pool.map(one, valid):
            (report.imported if kind == "imported" else report.duplicates).append(value)
            bar.update(1)
    bar.close()
    return report


def _progress(total: int, desc: str, enabled: bool, report_to=None):
    from helpers import progress

    return progress.bar(total, desc, enabled=enabled, leave=False, report_to=report_to)


def roster(session, stack: RegistrationStack) -> list[dict]:
    """Every racer with their status, oldest registration first."""
    ddb = session.client("dynamodb")
    items, kwargs = [], {"TableName": stack.racers_table, "ConsistentRead": True}
    while True:
        page = ddb.scan(**kwargs)
        for it in page.get("Items", []):
            row = {k: _DESER.deserialize(v) for k, v in it.items()}
            items.append({k: (float(v) if k.endswith("_at") or k.endswith("_until") else v) for k, v in row.items()})
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return sorted(items, key=lambda r: r.get("registered_at", 0))


def status_counts(rows: list[dict]) -> dict[str, int]:
    counts = Counter(r.get("status", "?") for r in rows)
    return {s: counts.get(s, 0) for s in STATUSES if counts.get(s, 0) or s in ("registered", "notified", "failed")}


# -- parked records ---------------------------------------------------------------
def parked(session, stack: RegistrationStack, max_messages: int = 100) -> list[dict]:
    """Peek at the on-failure queue (messages become visible again after 30 s)."""
    sqs = session.client("sqs")
    found = []
    while len(found) < max_messages:
        msgs = sqs.receive_message(QueueUrl=stack.failure_queue_url, MaxNumberOfMessages=10,
                                   VisibilityTimeout=30, WaitTimeSeconds=0).get("Messages", [])
        if not msgs:
            break
        for m in msgs:
            found.append({"receipt": m["ReceiptHandle"], **json.loads(m["Body"])})
    for m in found:  # make them visible again: peeking must not hide them
        sqs.change_message_visibility(QueueUrl=stack.failure_queue_url, ReceiptHandle=m["receipt"],
                                      VisibilityTimeout=0)
    return found


def _records_for(session, info: dict) -> list[dict]:
    """Read the parked range of stream records back (they stay in the stream for 24 hours)."""
    streams = session.client("dynamodbstreams")
    start, end = int(info["startSequenceNumber"]), int(info["endSequenceNumber"])
    it = streams.get_shard_iterator(StreamArn=info["streamArn"], ShardId=info["shardId"],
                                    ShardIteratorType="AT_SEQUENCE_NUMBER",
                                    SequenceNumber=info["startSequenceNumber"])["ShardIterator"]
    records: list[dict] = []
    while it:
        page = streams.get_records(ShardIterator=it, Limit=100)
        batch = page.get("Records", [])
        if not batch:
            break
        for r in batch:
            if int(r["dynamodb"]["SequenceNumber"]) > end:
                return records
            r["eventSourceARN"] = info["streamArn"]
            records.append(json.loads(json.dumps(r, default=str)))
        it = page.get("NextShardIterator")
    return records


def redrive(session, stack: RegistrationStack) -> dict[str, int]:
    """Re-run parked records through the provisioning function; delete what now succeeds.

    This is the documented way to recover stream records from a Lambda
    on-failure destination: the message says which sequence range failed,
    the records are read back from the stream and the function is invoked
    with them again. Messages whose records still fail stay in the queue.
    """
    sqs, lam = session.client("sqs"), session.client("lambda")
    result = Counter()
    for msg in parked(session, stack, max_messages=1000):
        info = msg.get("DDBStreamBatchInfo") or {}
        records = _records_for(session, info) if info else []
        if not records:
            result["unreadable"] += 1
            continue
        resp = lam.invoke(FunctionName=stack.provision_function, Payload=json.dumps({"Records": records}))
        body = json.loads(resp["Payload"].read() or b"null")
        ok = "FunctionError" not in resp and not (body or {}).get("batchItemFailures")
        if ok:
            sqs.delete_message(QueueUrl=stack.failure_queue_url, ReceiptHandle=msg["receipt"])
            result["recovered"] += len(records)
        else:
            result["still failing"] += len(records)
    return dict(result)


# -- offboarding ----------------------------------------------------------------------
def offboard(session, stack: RegistrationStack, ident, *, delete_users: bool = True, api=None,
             deepracer: str = "delete") -> dict[str, int]:
    """End of event: on DeepRacer on AWS (with the admin's `api`) delete each racer's profile
    (`deepracer="delete"`) or keep it with no compute left (`"zero"`: their models stay readable); remove
    racers from the Identity Center group (and the users we created); mark them offboarded."""
    if deepracer not in ("delete", "zero"):
        raise ValueError('deepracer must be "delete" or "zero"')
    ids = session.client("identitystore")
    ddb = session.client("dynamodb")
    store = ident.center.identity_store_id
    done = Counter()
    for racer in roster(session, stack):
        profile_id = racer.get("profile_id")
        if api is not None and profile_id:
            from helpers.deepracer_on_aws.client import ApiError

            try:
                if deepracer == "delete":
                    api.delete_profile(profile_id)
                    done["solution profiles deleted"] += 1
                else:
                    api.update_profile(profile_id, maxTotalComputeMinutes=0, maxModelCount=0)
                    done["solution limits zeroed"] += 1
            except ApiError as exc:
                if exc.status != 404:
                    raise
        uid = racer.get("user_id")
        if uid:
            try:
                mid = ids.get_group_membership_id(IdentityStoreId=store, GroupId=ident.group_id,
                                                  MemberId={"UserId": uid})["MembershipId"]
                ids.delete_group_membership(IdentityStoreId=store, MembershipId=mid)
                done["removed from group"] += 1
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "ResourceNotFoundException":
                    raise
            if delete_users:
                try:
                    ids.delete_user(IdentityStoreId=store, UserId=uid)
                    done["users deleted"] += 1
                except ClientError as exc:
                    if exc.response["Error"]["Code"] != "ResourceNotFoundException":
                        raise
        if racer.get("status") != "offboarded":
            ddb.update_item(TableName=stack.racers_table, Key={"email": {"S": racer["email"]}},
                            UpdateExpression="SET #s = :s, updated_at = :t",
                            ExpressionAttributeNames={"#s": "status"},
                            ExpressionAttributeValues={":s": {"S": "offboarded"}, ":t": {"N": f"{time.time():.6f}"}})
            done["offboarded"] += 1
    return dict(done)
