"""Event source mappings for DynamoDB Streams: the poller Lambda runs for you.

Creating a mapping through the Lambda API stores it in moto (so Get/List/
Update/Delete answer as on AWS), but moto would then push every stream record
into its Docker-only invoke and empty the stream. This stand-in detaches the
mapping from moto's table and polls the stream itself, delivering
`{"Records": [...]}` batches to the Lambda runner with the documented
semantics:

- records of a shard are delivered in order, `BatchSize` at most per batch,
  after at most `MaximumBatchingWindowInSeconds` of waiting; with
  `ParallelizationFactor` N, up to N batches of one shard run at once, and
  records with the same partition key always stay in order in one lane;
- `FilterCriteria` patterns (exact values, `prefix`, `exists`,
  `anything-but`) drop non-matching records before invocation, as Lambda's
  event filtering does;
- a batch that succeeds is checkpointed and never delivered again;
- `FunctionResponseTypes: [ReportBatchItemFailures]`: the handler may return
  `{"batchItemFailures": [{"itemIdentifier": <SequenceNumber>}]}`; the
  records before the first failed one are checkpointed, the rest retried;
- on a function error the batch is retried up to `MaximumRetryAttempts`
  (-1: until it succeeds); with `BisectBatchOnFunctionError` it is split in
  two first (splitting does not count as a retry);
- records that exhaust their retries are described to the `OnFailure`
  destination (an SQS queue) exactly as Lambda describes them, and the
  poller moves on: nothing is dropped silently, nothing blocks the shard.
"""
from __future__ import annotations

import json
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from werkzeug.wrappers import Response

from helpers.emulator import moto_backends
from helpers.emulator.gateway import Call


@dataclass
class MappingStats:
    batches: int = 0
    records_delivered: int = 0
    records_succeeded: int = 0
    invocations_failed: int = 0
    bisections: int = 0
    parked_batches: int = 0
    parked_records: int = 0
    records_filtered: int = 0
    last_error: str = ""
    checkpoint: str = ""


@dataclass
class _Mapping:
    uuid: str
    region: str
    thread: threading.Thread | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    stats: MappingStats = field(default_factory=MappingStats)
    idle: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


class StreamPoller:
    """Polls DynamoDB Streams for every enabled mapping and invokes functions."""

    def __init__(self, account_id: str, invoke: Callable[[str, bytes, str], Any],
                 send_to_sqs: Callable[[str, str, str], None], poll_interval: float = 0.1) -> None:
        self.account_id = account_id
        self._invoke = invoke
        self._send_to_sqs = send_to_sqs
        self.poll_interval = poll_interval
        self._mappings: dict[str, _Mapping] = {}
        self._lock = threading.Lock()

    # -- moto access -----------------------------------------------------------
    def _lambda(self, region: str):
        return moto_backends.lambda_(self.account_id, region)

    def _table_for(self, region: str, stream_arn: str):
        table_name = stream_arn.split(":", 5)[5].split("/")[1]
        return moto_backends.dynamodb(self.account_id, region).get_table(table_name)

    def _esm(self, m: _Mapping):
        return self._lambda(m.region).get_event_source_mapping(m.uuid)

    # -- the Lambda API ----------------------------------------------------------
    def routes(self) -> dict:
        return {("lambda", "CreateEventSourceMapping"): self.create_mapping_call,
                ("lambda", "DeleteEventSourceMapping"): self.delete_mapping_call}

    def create_mapping_call(self, call: Call, forward) -> Response:
        """moto stores the mapping; a DynamoDB stream's mapping is then polled here."""
        response = forward(call)
        if response.status_code in (200, 201, 202):
            data = json.loads(response.get_data())
            if ":dynamodb:" in data.get("EventSourceArn", ""):
                self.attach(data["UUID"], call.region)
        return response

    def delete_mapping_call(self, call: Call, forward) -> Response:
        response = forward(call)
        if response.status_code < 300:
            self.detach(call.path_params["UUID"])
        return response

    def attach(self, uuid: str, region: str) -> None:
        """Take a mapping over from moto and start polling its stream."""
        esm = self._lambda(region).get_event_source_mapping(uuid)
        table = self._table_for(region, esm.event_source_arn)
        table.lambda_event_source_mappings.pop(esm.function_arn, None)
        m = _Mapping(uuid=uuid, region=region)
        m.thread = threading.Thread(target=self._run, args=(m,), name=f"esm-{uuid[:8]}", daemon=True)
        with self._lock:
            self._mappings[uuid] = m
        m.thread.start()

    def detach(self, uuid: str) -> None:
        with self._lock:
            m = self._mappings.pop(uuid, None)
        if m:
            m.stop.set()

    def stop_all(self) -> None:
        with self._lock:
            for m in self._mappings.values():
                m.stop.set()
            self._mappings.clear()

    def stats(self, uuid: str) -> MappingStats:
        return self._mappings[uuid].stats

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until every mapping has caught up with its stream (for notebooks and tests)."""
        end = time.time() + timeout
        with self._lock:
            mappings = list(self._mappings.values())
        for m in mappings:
            m.idle.clear()
            if not m.idle.wait(max(0.0, end - time.time())):
                return False
        return True

    # -- polling -----------------------------------------------------------------
    def _run(self, m: _Mapping) -> None:
        position: int | None = None  # next sequence number to read
        while not m.stop.is_set():
            try:
                esm = self._esm(m)
                if esm is None:
                    return
                table = self._table_for(m.region, esm.event_source_arn)
                shard = table.stream_shard
                if shard is None:
                    m.idle.set()
                    m.stop.wait(self.poll_interval)
                    continue
                if position is None:
                    if (esm.starting_position or "TRIM_HORIZON") == "LATEST":
                        position = shard.starting_sequence_number + len(shard.items)
                    else:
                        position = shard.starting_sequence_number
                if not esm.enabled or str(esm.enabled).lower() == "false":
                    m.idle.set()
                    m.stop.wait(self.poll_interval)
                    continue
                batch_size = int(esm.batch_size or 100)
                factor = max(1, min(10, int(esm.parallelization_factor or 1)))
                window = float(esm.max_batch_window or 0)
                records = self._read(shard, position, batch_size * factor)
                if records and len(records) < batch_size and window > 0:
                    m.stop.wait(window)
                    records = self._read(shard, position, batch_size * factor)
                if not records:
                    m.idle.set()
                    m.stop.wait(self.poll_interval)
                    continue
                m.idle.clear()
                last_seq = records[-1]["dynamodb"]["SequenceNumber"]
                patterns = _patterns(esm.filter_criteria)
                if patterns:
                    kept = [r for r in records if any(_matches(p, r) for p in patterns)]
                    self._add(m, records_filtered=len(records) - len(kept))
                    records = kept
                for r in records:
                    r["eventSourceARN"] = esm.event_source_arn
                if records:
                    self._deliver_lanes(m, esm, records, batch_size, factor)
                position = int(last_seq) + 1
                m.stats.checkpoint = last_seq
            except Exception as exc:  # noqa: BLE001 - the poller must outlive any single failure
                m.stats.last_error = f"poller: {type(exc).__name__}: {exc}"
                m.stop.wait(1.0)

    @staticmethod
    def _read(shard, position: int, limit: int) -> list[dict]:
        start = position - shard.starting_sequence_number
        items = shard.items[start : start + limit]
        return [json.loads(json.dumps(i.to_json(), default=_json_default)) for i in items]

    def _deliver_lanes(self, m: _Mapping, esm, records: list[dict], batch_size: int, factor: int) -> None:
        """Split by partition key into at most `factor` lanes; run the lanes at once."""
        if factor == 1:
            for i in range(0, len(records), batch_size):
                self._deliver(m, esm, records[i : i + batch_size])
            return
        lanes: list[list[dict]] = [[] for _ in range(factor)]
        for r in records:
            key = json.dumps(r["dynamodb"].get("Keys", {}), sort_keys=True)
            lanes[zlib.crc32(key.encode()) % factor].append(r)

        def run_lane(lane: list[dict]) -> None:
            for i in range(0, len(lane), batch_size):
                self._deliver(m, esm, lane[i : i + batch_size])

        with ThreadPoolExecutor(max_workers=factor) as pool:
            list(pool.map(run_lane, [lane for lane in lanes if lane]))

    def _deliver(self, m: _Mapping, esm, records: list[dict]) -> None:
        """Deliver records until each one has succeeded or been parked."""
        max_retries = esm.max_retry_attempts
        max_retries = -1 if max_retries is None else int(max_retries)
        bisect = bool(esm.bisect_on_error) and str(esm.bisect_on_error).lower() != "false"
        item_failures = "ReportBatchItemFailures" in (esm.function_response_types or [])
        # Work list of (records, retries used so far); processed in order.
        pending: list[tuple[list[dict], int]] = [(records, 0)]
        while pending and not m.stop.is_set():
            batch, attempts = pending.pop(0)
            self._add(m, batches=1)
            self._add(m, records_delivered=len(batch))
            result = self._invoke(esm.function_arn, json.dumps({"Records": batch}).encode(), m.region)
            failed_from: int | None = None
            error = ""
            if result.function_error:
                failed_from = 0
                error = _error_text(result)
                self._add(m, invocations_failed=1)
            elif item_failures:
                failed_from, error = _first_item_failure(result, batch)
            if failed_from is None:
                self._add(m, records_succeeded=len(batch))
                continue
            self._add(m, records_succeeded=failed_from)
            m.stats.last_error = error
            rest = batch[failed_from:]
            if result.function_error and bisect and len(rest) > 1:
                half = len(rest) // 2
                self._add(m, bisections=1)
                pending[:0] = [(rest[:half], attempts), (rest[half:], attempts)]
                continue
            if max_retries == -1 or attempts < max_retries:
                time.sleep(min(0.05 * (2 ** attempts), 1.0))
                pending.insert(0, (rest, attempts + 1))
                continue
            if bisect and len(rest) > 1:
                # Isolate the poison record: park it alone, give the records behind it
                # (never processed, since the shard is ordered) a fresh set of attempts.
                self._park(m, esm, rest[:1], attempts, error)
                pending.insert(0, (rest[1:], 0))
                continue
            self._park(m, esm, rest, attempts, error)

    @staticmethod
    def _add(m: _Mapping, **counts: int) -> None:
        with m.lock:
            for name, value in counts.items():
                setattr(m.stats, name, getattr(m.stats, name) + value)

    def _park(self, m: _Mapping, esm, records: list[dict], attempts: int, error: str) -> None:
        self._add(m, parked_batches=1)
        self._add(m, parked_records=len(records))
        dest = ((esm.destination_config or {}).get("OnFailure") or {}).get("Destination")
        first, last = records[0], records[-1]
        message = {
            "requestContext": {
                "requestId": first["eventID"],
                "functionArn": esm.function_arn,
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": attempts + 1,
            },
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": error[:1000]},
            "version": "1.0",
            "timestamp": datetime.now(timezone.utc).isoformat(),
            "DDBStreamBatchInfo": {
                "shardId": "shardId-00000001541626099285-f35f62ef",
                "startSequenceNumber": first["dynamodb"]["SequenceNumber"],
                "endSequenceNumber": last["dynamodb"]["SequenceNumber"],
                "approximateArrivalOfFirstRecord": first["dynamodb"].get("ApproximateCreationDateTime"),
                "approximateArrivalOfLastRecord": last["dynamodb"].get("ApproximateCreationDateTime"),
                "batchSize": len(records),
                "streamArn": esm.event_source_arn,
            },
        }
        if dest:
            self._send_to_sqs(dest, json.dumps(message), m.region)
        else:
            # AWS would drop these; we refuse to lose them silently.
            m.stats.last_error = f"no OnFailure destination; {len(records)} record(s) skipped: {error}"


def _patterns(criteria) -> list[dict]:
    filters = (criteria or {}).get("Filters") or []
    return [json.loads(f["Pattern"]) for f in filters if f.get("Pattern")]


def _matches(pattern, value) -> bool:
    """Lambda event-filtering semantics for the operators the labs use."""
    if isinstance(pattern, dict):
        if not isinstance(value, dict):
            return False
        for key, sub in pattern.items():
            if isinstance(sub, list) and any(isinstance(c, dict) and "exists" in c for c in sub):
                want = next(c["exists"] for c in sub if isinstance(c, dict) and "exists" in c)
                if (key in value) != bool(want):
                    return False
                continue
            if key not in value or not _matches(sub, value[key]):
                return False
        return True
    if isinstance(pattern, list):
        for cond in pattern:
            if isinstance(cond, dict):
                if "prefix" in cond and isinstance(value, str) and value.startswith(cond["prefix"]):
                    return True
                if "anything-but" in cond:
                    but = cond["anything-but"]
                    but = but if isinstance(but, list) else [but]
                    if value not in but:
                        return True
            elif cond == value:
                return True
        return False
    return pattern == value


def _json_default(value):
    if isinstance(value, datetime):
        return value.timestamp()
    return str(value)


def _error_text(result) -> str:
    try:
        err = json.loads(result.payload)
        return f"{err.get('errorType', 'Error')}: {err.get('errorMessage', '')}"
    except (ValueError, AttributeError):
        return result.payload.decode("utf-8", "replace")[:500]


def _first_item_failure(result, batch: list[dict]) -> tuple[int | None, str]:
    """Index of the first record the handler reported as failed, per Lambda's rules."""
    try:
        body = json.loads(result.payload) if result.payload else None
    except ValueError:
        return 0, "invalid batchItemFailures response"
    if not isinstance(body, dict) or not body.get("batchItemFailures"):
        return None, ""
    seqs = [r["dynamodb"]["SequenceNumber"] for r in batch]
    indexes = []
    for failure in body["batchItemFailures"]:
        ident = str((failure or {}).get("itemIdentifier", ""))
        if ident not in seqs:  # Lambda treats an unknown identifier as a failure of the whole batch
            return 0, f"unknown itemIdentifier {ident!r}"
        indexes.append(seqs.index(ident))
    return min(indexes), "reported by handler (batchItemFailures)"
