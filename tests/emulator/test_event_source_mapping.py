"""DynamoDB Streams -> Lambda event source mappings behave as documented."""
from __future__ import annotations

import json

import pytest

from tests.support import make_function, read_queue, wait_for

# Records every delivery in a log table: (key, attempt id). Fails on "poison" keys,
# either by raising (function error) or by reporting batchItemFailures.
HANDLER = '''
import os, time, uuid, boto3
ddb = boto3.client("dynamodb")
def handler(event, context):
    mode = os.environ["MODE"]
    for r in event["Records"]:
        key = r["dynamodb"]["Keys"]["k"]["S"]
        seq = r["dynamodb"]["SequenceNumber"]
        if key.startswith("poison"):
            if mode == "raise":
                raise RuntimeError("poison record " + key)
            return {"batchItemFailures": [{"itemIdentifier": seq}]}
        ddb.put_item(TableName=os.environ["LOG"], Item={
            "id": {"S": uuid.uuid4().hex}, "k": {"S": key}, "event": {"S": r["eventName"]},
            "n": {"N": str(len(event["Records"]))}, "seq": {"N": seq}, "at": {"N": str(time.time_ns())}})
    return {"batchItemFailures": []}
'''


def _table(ddb, name, key, stream=False):
    kwargs = {}
    if stream:
        kwargs["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": key, "KeyType": "HASH"}], **kwargs)
    if stream:
        return ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]


@pytest.fixture
def pipeline(session, unique):
    """Factory: a source table with a stream, a log table, a DLQ and a mapping with given settings."""
    ddb, sqs, lam = session.client("dynamodb"), session.client("sqs"), session.client("lambda")

    def build(mode="raise", destination=True, **mapping):
        src, log = f"src-{unique}", f"log-{unique}"
        stream_arn = _table(ddb, src, "k", stream=True)
        _table(ddb, log, "id")
        q = sqs.create_queue(QueueName=f"dlq-{unique}")["QueueUrl"]
        q_arn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        fn = f"consumer-{unique}"
        make_function(session, fn, HANDLER, env={"MODE": mode, "LOG": log})
        args = dict(FunctionName=fn, EventSourceArn=stream_arn, StartingPosition="TRIM_HORIZON", **mapping)
        if destination:
            args["DestinationConfig"] = {"OnFailure": {"Destination": q_arn}}
        uuid_ = lam.create_event_source_mapping(**args)["UUID"]
        return {"src": src, "log": log, "queue": q, "uuid": uuid_, "fn": fn, "stream": stream_arn}

    return build


def put(session, table, keys):
    ddb = session.client("dynamodb")
    for k in keys:
        ddb.put_item(TableName=table, Item={"k": {"S": k}})


def deliveries(session, log):
    items = session.client("dynamodb").scan(TableName=log)["Items"]
    items.sort(key=lambda i: int(i["at"]["N"]))  # in the order the handler saw them
    return [(i["k"]["S"], i["event"]["S"], int(i["n"]["N"]), int(i["seq"]["N"])) for i in items]


def test_every_record_delivered_once_in_batches(session, pipeline):
    p = pipeline(BatchSize=10)
    keys = [f"r{i:03d}" for i in range(35)]
    put(session, p["src"], keys)
    assert session.runtime.streams.wait_idle(60)
    got = deliveries(session, p["log"])
    assert sorted(k for k, *_ in got) == keys  # each exactly once
    assert max(n for *_, n, _ in got) <= 10
    stats = session.runtime.streams.stats(p["uuid"])
    assert stats.parked_records == 0 and stats.invocations_failed == 0


def test_mapping_is_readable_through_the_lambda_api(session, pipeline):
    p = pipeline(BatchSize=7, MaximumRetryAttempts=2, BisectBatchOnFunctionError=True)
    m = session.client("lambda").get_event_source_mapping(UUID=p["uuid"])
    assert m["BatchSize"] == 7 and m["MaximumRetryAttempts"] == 2 and m["BisectBatchOnFunctionError"] is True
    assert m["DestinationConfig"]["OnFailure"]["Destination"].endswith(p["queue"].rsplit("/", 1)[-1])


def test_poison_record_is_isolated_retried_and_parked(session, pipeline):
    p = pipeline(mode="raise", BatchSize=10, MaximumRetryAttempts=2, BisectBatchOnFunctionError=True)
    keys = [f"ok{i:02d}" for i in range(6)] + ["poison-1"] + [f"ok{i:02d}" for i in range(6, 12)]
    put(session, p["src"], keys)
    assert session.runtime.streams.wait_idle(60)
    good = {k for k, *_ in deliveries(session, p["log"])}
    assert good == {k for k in keys if k.startswith("ok")}  # nothing good is lost
    parked = read_queue(session, p["queue"])
    assert len(parked) == 1
    info = parked[0]["DDBStreamBatchInfo"]
    assert info["batchSize"] == 1 and info["streamArn"] == p["stream"]
    assert parked[0]["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert parked[0]["requestContext"]["approximateInvokeCount"] == 3  # first try + 2 retries
    assert session.runtime.streams.stats(p["uuid"]).bisections >= 1


def test_report_batch_item_failures_retries_from_the_failed_record(session, pipeline):
    p = pipeline(mode="report", BatchSize=10, MaximumRetryAttempts=1, BisectBatchOnFunctionError=True,
                 FunctionResponseTypes=["ReportBatchItemFailures"])
    keys = ["a1", "a2", "poison-x", "a3", "a4"]
    put(session, p["src"], keys)
    assert session.runtime.streams.wait_idle(60)
    got = [k for k, *_ in deliveries(session, p["log"])]
    assert sorted(got) == ["a1", "a2", "a3", "a4"]
    assert got.count("a1") == 1 and got.count("a2") == 1  # records before the failure are checkpointed
    parked = read_queue(session, p["queue"])
    assert [m["DDBStreamBatchInfo"]["batchSize"] for m in parked] == [1]


def test_zero_retries_parks_after_the_first_failure(session, pipeline):
    p = pipeline(mode="raise", BatchSize=5, MaximumRetryAttempts=0)
    put(session, p["src"], ["poison-only"])
    assert session.runtime.streams.wait_idle(60)
    parked = read_queue(session, p["queue"])
    assert parked[0]["requestContext"]["approximateInvokeCount"] == 1


def test_without_destination_the_loss_is_reported_not_silent(session, pipeline):
    p = pipeline(mode="raise", destination=False, BatchSize=5, MaximumRetryAttempts=0)
    put(session, p["src"], ["poison-nowhere"])
    assert session.runtime.streams.wait_idle(60)
    stats = session.runtime.streams.stats(p["uuid"])
    assert stats.parked_records == 1 and "no OnFailure destination" in stats.last_error


def test_filter_criteria_drop_other_events(session, pipeline):
    p = pipeline(BatchSize=10, FilterCriteria={"Filters": [{"Pattern": json.dumps({"eventName": ["INSERT"]})}]})
    put(session, p["src"], ["f1", "f2"])
    put(session, p["src"], ["f1"])  # a MODIFY of f1
    assert session.runtime.streams.wait_idle(60)
    got = deliveries(session, p["log"])
    assert sorted((k, e) for k, e, *_ in got) == [("f1", "INSERT"), ("f2", "INSERT")]
    assert session.runtime.streams.stats(p["uuid"]).records_filtered == 1


def test_parallel_lanes_keep_per_key_order(session, pipeline):
    p = pipeline(BatchSize=5, ParallelizationFactor=4)
    keys = [f"p{i % 7}" for i in range(42)]  # 6 writes to each of 7 keys
    put(session, p["src"], keys)
    assert session.runtime.streams.wait_idle(60)
    got = deliveries(session, p["log"])
    assert len(got) == 42
    by_key = {}
    for k, _, _, seq in got:  # in delivery order
        by_key.setdefault(k, []).append(seq)
    assert all(len(v) == 6 and v == sorted(v) for v in by_key.values())  # each key in write order
    assert session.runtime.streams.stats(p["uuid"]).batches >= 4  # and the work was spread over lanes


def test_disabled_mapping_delivers_nothing_until_enabled(session, pipeline):
    p = pipeline(BatchSize=5)
    lam = session.client("lambda")
    lam.update_event_source_mapping(UUID=p["uuid"], Enabled=False)
    put(session, p["src"], ["d1"])
    assert session.runtime.streams.wait_idle(30)
    assert deliveries(session, p["log"]) == []
    lam.update_event_source_mapping(UUID=p["uuid"], Enabled=True)
    wait_for(lambda: deliveries(session, p["log"]), timeout=30)


def test_deleted_mapping_stops_polling(session, pipeline):
    p = pipeline(BatchSize=5)
    session.client("lambda").delete_event_source_mapping(UUID=p["uuid"])
    put(session, p["src"], ["gone"])
    import time

    time.sleep(1.0)
    assert deliveries(session, p["log"]) == []
