"""Registration at event scale: N racers through the whole pipeline into DeepRacer on AWS, locally.

Three measurements, one run:

1. The pipeline. Every racer is POSTed to the registration API (HTTP API -> Lambda -> DynamoDB
   conditional put); the stream delivers batches to the provisioning function, which invites the
   racer into the event's DeepRacer on AWS deployment (CreateProfile, signed as the service user),
   adds the identity-store user and group membership and sends the event email. The stage's
   throttling and the per-source limit are raised for this part (parameters below), so the figure is
   the pipeline's, not the limits'. Optionally the identity store fails a fraction of calls
   (transient) and rejects some racers outright (persistent), to show retries and parking.
2. The limits as a room meets them, with the template's default settings: the same burst of
   registrations from one address (a room behind one NAT) and from one address per racer (127.0.0.x
   loopback sources), counted by answer (201, 429 from the stage, 429 from the per-source limit).
3. Bulk import: a roster CSV through BulkInviteUser (at most 200 per call, each job polled).

    python benchmarks/registration.py                       # 2,000 racers, no faults
    python benchmarks/registration.py --fault-rate 0.1 --reject 5
"""
from __future__ import annotations

import argparse
import csv
import http.client
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
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpers import get_session  # noqa: E402
from helpers.seed import SENDER  # noqa: E402
from labs.deepracer_event import event as ev, identity  # noqa: E402
from labs.registration import lab, roster, stack as st  # noqa: E402

#: Part 1 measures the pipeline: the stage's token bucket and the per-source limit raised out of the way.
PIPELINE_PARAMETERS = {"ApiThrottlingRateLimit": 10000, "ApiThrottlingBurstLimit": 5000,
                       "RegistrationsPerSource": 100000}


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def _post(api_url: str, email: str, alias: str, source: str = "127.0.0.1") -> tuple[int, str]:
    """One registration from `source` (a loopback address: the API sees it as the caller's IP)."""
    url = urlsplit(api_url.rstrip("/") + "/register")
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60, source_address=(source, 0))
    try:
        conn.request("POST", url.path, json.dumps({"email": email, "alias": alias, "experience": "beginner"}),
                     {"Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


def _post_chunk(api_url: str, racers: list[tuple[str, str]], threads: int) -> Counter:
    """One 'browser farm' process: POST registrations with a few threads."""
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return Counter(code for code, _ in pool.map(lambda r: _post(api_url, *r), racers))


def _kind(code: int, body: str) -> str:
    if code != 429:
        return str(code)
    return "429 per source" if "retry_after" in body else "429 stage"


def _event(s, event: str, n: int, parameters: dict | None):
    ident = identity.setup_event_identity(s, event)
    ev.save_config(s, ev.EventConfig(name=event, display_name="Benchmark Cup", racers_expected=n,
                                     quota_hours_per_racer=5, budget_usd=50000, allowed_domains="example.com"))
    deployment, admin, wiring = lab.connect_solution(s, event, sender=SENDER, racers_expected=n)
    stack = st.deploy(s, event, ident, sender=SENDER, allowed_domains="example.com", display_name="Benchmark Cup",
                      deepracer=wiring, parameters=parameters)
    return ident, deployment, admin, stack


def run(n: int, fault_rate: float, reject: int, threads: int, event: str, procs: int = 2) -> dict:
    s = get_session("local", state_dir=tempfile.mkdtemp(prefix="bench-registration-"))
    ident, deployment, admin, stack = _event(s, event, n, PIPELINE_PARAMETERS)
    emails = [f"racer{i:05d}@example.com" for i in range(n)]
    rejected = emails[7::max(1, n // reject)][:reject] if reject else []
    if fault_rate:
        s.runtime.faults.inject("identitystore", rate=fault_rate, code="ThrottlingException",
                                message="Rate exceeded (injected)", status=400)
    if rejected:
        s.runtime.faults.inject("identitystore", when_body_contains=rejected, operations=("CreateUser",),
                                code="ValidationException", message="user rejected by the IdP (injected)", status=400)
    # warm the functions so the first racers do not pay their cold start in the figures
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
    idle = st.wait_until_processed(s, stack, timeout=900)
    finished = time.time()

    rows = {r["email"]: r for r in roster.roster(s, stack) if r["email"] in set(emails)}
    event_mails = [m for m in s.outbox.list() if m.to and m.to[0] in rows and m.tags.get("purpose") == "registration"]
    invitations = Counter(m.to[0] for m in s.outbox.list()
                          if m.to and m.to[0] in rows and m.tags.get("purpose") == "cognito-invitation")
    per_recipient = Counter(m.to[0] for m in event_mails)
    parked_msgs = roster.parked(s, stack, max_messages=10000)
    parked_emails = set()
    for msg in parked_msgs:
        for rec in roster._records_for(s, msg["DDBStreamBatchInfo"]):
            img = rec["dynamodb"].get("NewImage") or {}
            if rec.get("eventName") == "INSERT" and "email" in img:
                parked_emails.add(img["email"]["S"])
    latencies = [m.sent_at - rows[m.to[0]]["registered_at"] for m in event_mails]
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
        "on_deepracer_on_aws": sum(1 for r in rows.values() if r.get("profile_id")),
        "provisioned": sum(1 for r in rows.values() if r.get("user_id")),
        "invited": len(invitations),
        "duplicate_invitations": sum(c - 1 for c in invitations.values()),
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


def limits(burst: int, threads: int = 16) -> dict:
    """The template's default throttling, met by `burst` registrations at once: from one address, then
    from one address per racer. Both runs on fresh deployments, so neither spends the other's tokens."""
    out = {}
    for label, source_of in (("one address (a room behind NAT)", lambda i: "127.0.0.1"),
                             ("one address per racer", lambda i: f"127.0.{1 + i // 250}.{2 + i % 250}")):
        s = get_session("local", state_dir=tempfile.mkdtemp(prefix="bench-limits-"))
        event = "bench-nat" if "NAT" in label else "bench-spread"
        _, _, _, stack = _event(s, event, burst, None)
        defaults = st.parameter_values()
        started = time.time()
        with ThreadPoolExecutor(max_workers=threads) as pool:
            answers = list(pool.map(lambda i: _post(stack.api_url, f"r{i:04d}@example.com", f"r-{i}", source_of(i)),
                                    range(burst)))
        seconds = time.time() - started
        st.wait_until_processed(s, stack, 300)
        s.runtime.stop()
        out[label] = {"answers": dict(sorted(Counter(_kind(c, b) for c, b in answers).items())),
                      "seconds": round(seconds, 2)}
    out["settings"] = {k: defaults[k] for k in st.THROTTLING_PARAMETERS}
    return out


def bulk(n: int) -> dict:
    """A roster CSV of `n` racers through BulkInviteUser (200 per call) and the provisioning function."""
    s = get_session("local", state_dir=tempfile.mkdtemp(prefix="bench-bulk-"))
    _, _, admin, stack = _event(s, "bench-bulk", n, PIPELINE_PARAMETERS)
    path = Path(tempfile.mkdtemp(prefix="bench-roster-")) / "roster.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["email", "alias", "experience"])
        w.writerows([f"bulk{i:05d}@example.com", f"bulk-{i}", "beginner"] for i in range(n))
    started = time.time()
    rep = roster.bulk_import(s, stack, path, "example.com", api=admin, progress=False)
    invited = time.time()
    st.wait_until_processed(s, stack, 900)
    done = time.time()
    mails = Counter(m.tags.get("purpose") for m in s.outbox.list() if m.to and m.to[0].startswith("bulk"))
    s.runtime.stop()
    return {"racers": n, "bulk_jobs": len(rep.jobs), **rep.summary(),
            "invitations_mailed": mails.get("cognito-invitation", 0), "event_mails": mails.get("registration", 0),
            "invite_seconds": round(invited - started, 2), "end_to_end_seconds": round(done - started, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--racers", type=int, default=2000)
    ap.add_argument("--fault-rate", type=float, default=0.0, help="fraction of identity-store calls that fail")
    ap.add_argument("--reject", type=int, default=0, help="racers the identity provider always rejects")
    ap.add_argument("--threads", type=int, default=4, help="concurrent registrations per load process")
    ap.add_argument("--burst", type=int, default=300, help="registrations at once for the limits part")
    ap.add_argument("--bulk", type=int, default=1000, help="racers in the bulk-import roster")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}", flush=True)
    result = {"pipeline": run(args.racers, args.fault_rate, args.reject, args.threads, "bench-event"),
              "limits (template defaults)": limits(args.burst),
              "bulk import": bulk(args.bulk)}
    if args.json:
        print(json.dumps(result))
        return
    for part, figures in result.items():
        print(f"\n== {part} ==")
        for k, v in figures.items():
            print(f"{k:>34}: {v}")


if __name__ == "__main__":
    main()
