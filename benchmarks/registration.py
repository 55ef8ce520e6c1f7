"""Registration at event scale: N racers through the whole pipeline, locally.

Every racer is POSTed to the registration API (HTTP API -> Lambda ->
DynamoDB conditional put); the stream delivers batches to the provisioning
function (identity store user + group membership + SES email). Optionally the
identity provider fails a fraction of calls (transient) and rejects some
racers outright (persistent), to show retries and parking.

Prints racers/s, registration->email latency, and the counts that matter:
registered, provisioned, emailed, parked, duplicate mails, lost racers.

    python benchmarks/registration.py                       # 2,000 racers, no faults
    python benchmarks/registration.py --fault-rate 0.1 --reject 5
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from labs.deepracer_event import event as ev  # noqa: E402
from helpers import get_session  # noqa: E402
from labs.deepracer_event import identity
from labs.registration import roster, stack as st  # noqa: E402
from helpers.seed import SENDER# noqa: E402


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def _post_chunk(api_url: str, racers: list[tuple[str, str]], threads: int) -> Counter:
    """One 'browser farm' process: POST registrations with a few threads."""
    import requests

    def one(racer: tuple[str, str]) -> int:
        resp = requests.post(f"{api_url.rstrip('/')}/register", timeout=60,
                             json={"email": racer[0], "alias": racer[1], "experience": "beginner"})
        return resp.status_code

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return Counter(pool.map(one, racers))


def run(n: int, fault_rate: float, reject: int, threads: int, event: str, procs: int = 2) -> dict:
    s = get_session("local", state_dir=tempfile.mkdtemp(prefix="bench-registration-"))
    ident = identity.setup_event_identity(s, event)
    ev.save_config(s, ev.EventConfig(name=event, display_name="Benchmark Cup", racers_expected=n,
                                     quota_hours_per_racer=5, budget_usd=50000, allowed_domains="example.com"))
    stack = st.deploy(s, event, ident, sender=SENDER, allowed_domains="example.com", display_name="Benchmark Cup")
    emails = [f"racer{i:05d}@example.com" for i in range(n)]
    rejected = emails[7::max(1, n // reject)][:reject] if reject else []
    if fault_rate:
        s.runtime.faults.inject("identitystore", rate=fault_rate, code="ThrottlingException",
                                message="Rate exceeded (injected)", status=400)
    if rejected:
        s.runtime.faults.inject("identitystore", when_body_contains=rejected, operations=("CreateUser",),
                                code="ValidationException", message="user rejected by the IdP (injected)", status=400)
    # warm the API function so the first racers do not pay its cold start in the figures
    roster.register_via_api(stack, "warmup@example.com", "warm-up")
    st.wait_until_processed(s, stack, 60)
    s.outbox.clear()

    # Racers' browsers are other processes: drive the API from a separate process
    # pool so the load generator does not compete with the runtime for its GIL.
    started = time.time()
    codes: Counter = Counter()
    chunks = [list(range(i, n, procs)) for i in range(procs)]
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=procs, mp_context=ctx) as pool:
        futures = [pool.submit(_post_chunk, stack.api_url, [(emails[i], f"racer-{i}") for i in chunk], threads)
                   for chunk in chunks]
        for f in futures:
            codes.update(f.result())
    api_done = time.time()
    idle = st.wait_until_processed(s, stack, timeout=600)
    finished = time.time()

    rows = {r["email"]: r for r in roster.roster(s, stack) if r["email"] in set(emails)}
    mails = [m for m in s.outbox.list() if m.to and m.to[0] in rows]
    per_recipient = Counter(m.to[0] for m in mails)
    parked_msgs = roster.parked(s, stack, max_messages=10000)
    parked_emails = set()
    for msg in parked_msgs:
        for rec in roster._records_for(s, msg["DDBStreamBatchInfo"]):
            img = rec["dynamodb"].get("NewImage") or {}
            if rec.get("eventName") == "INSERT" and "email" in img:
                parked_emails.add(img["email"]["S"])
    latencies = [m.sent_at - rows[m.to[0]]["registered_at"] for m in mails]
    notified = {e for e, r in rows.items() if r.get("status") == "notified"}
    lost = [e for e in emails if e not in notified and e not in parked_emails]
    stats = s.runtime.streams.stats(stack.mapping_uuid)
    s.runtime.stop()
    return {
        "racers": n,
        "fault_rate": fault_rate,
        "rejected_by_idp": len(rejected),
        "api_201": codes.get(201, 0),
        "api_other": {k: v for k, v in codes.items() if k != 201},
        "registered": len(rows),
        "provisioned": sum(1 for r in rows.values() if r.get("user_id")),
        "emailed": len(per_recipient),
        "duplicate_mails": sum(c - 1 for c in per_recipient.values()),
        "parked": len(parked_emails),
        "lost": len(lost),
        "pipeline_idle": idle,
        "api_seconds": round(api_done - started, 2),
        "end_to_end_seconds": round(finished - started, 2),
        "racers_per_second": round(n / (finished - started), 1),
        "latency_p50_s": round(pct(latencies, 0.5), 2),
        "latency_p95_s": round(pct(latencies, 0.95), 2),
        "stream_batches": stats.batches,
        "failed_invocations": stats.invocations_failed,
        "bisections": stats.bisections,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--racers", type=int, default=2000)
    ap.add_argument("--fault-rate", type=float, default=0.0, help="fraction of identity-store calls that fail")
    ap.add_argument("--reject", type=int, default=0, help="racers the identity provider always rejects")
    ap.add_argument("--threads", type=int, default=4, help="concurrent registrations per load process")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}", flush=True)
    result = run(args.racers, args.fault_rate, args.reject, args.threads, "bench-event")
    if args.json:
        print(json.dumps(result))
        return
    for k, v in result.items():
        print(f"{k:>22}: {v}")


if __name__ == "__main__":
    main()
