"""Following SageMaker work from a notebook: logs as they come, status, metrics.

The SDK's own waiter draws a live terminal panel that does not survive a
headless run; this prints plain lines (readable in an executed notebook and
in papermill's output) and works the same against AWS and the local runtime,
because both keep training logs in CloudWatch Logs.
"""
from __future__ import annotations

import re
import time

TERMINAL = ("Completed", "Failed", "Stopped")
TRAINING_LOGS = "/aws/sagemaker/TrainingJobs"


def follow_training_job(session, name: str, *, poll: float = 2.0, timeout: float = 3 * 3600,
                        show=print, quiet_pattern: str | None = None) -> dict:
    """Print the job's log until it ends; return its final description.

    Raises RuntimeError with the failure reason if the job failed."""
    sm, logs = session.client("sagemaker"), session.client("logs")
    seen: dict[str, str | None] = {}
    quiet = re.compile(quiet_pattern) if quiet_pattern else None
    last_status = ""
    start = time.time()
    while True:
        desc = sm.describe_training_job(TrainingJobName=name)
        status = f"{desc['TrainingJobStatus']} / {desc.get('SecondaryStatus', '')}"
        if status != last_status:
            show(f"[{time.time() - start:6.0f} s] {status}")
            last_status = status
        for line in _new_lines(logs, name, seen):
            if quiet is None or not quiet.search(line):
                show(line)
        if desc["TrainingJobStatus"] in TERMINAL:
            for line in _new_lines(logs, name, seen):
                if quiet is None or not quiet.search(line):
                    show(line)
            if desc["TrainingJobStatus"] != "Completed":
                raise RuntimeError(f"training job {name} {desc['TrainingJobStatus']}: {desc.get('FailureReason', '')}")
            return desc
        if time.time() - start > timeout:
            raise TimeoutError(f"training job {name} still {status} after {timeout:.0f} s")
        time.sleep(poll)


def _new_lines(logs, name: str, seen: dict[str, str | None]) -> list[str]:
    lines: list[str] = []
    try:
        streams = logs.describe_log_streams(logGroupName=TRAINING_LOGS, logStreamNamePrefix=name + "/")
    except logs.exceptions.ResourceNotFoundException:
        return lines
    for stream in streams.get("logStreams", []):
        sname = stream["logStreamName"]
        kwargs = {"logGroupName": TRAINING_LOGS, "logStreamName": sname, "startFromHead": True}
        if seen.get(sname):
            kwargs["nextToken"] = seen[sname]
        while True:
            page = logs.get_log_events(**kwargs)
            lines += [e["message"] for e in page.get("events", [])]
            token = page.get("nextForwardToken")
            if not page.get("events") or token == kwargs.get("nextToken"):
                seen[sname] = token
                break
            kwargs["nextToken"] = token
            seen[sname] = token
    return [l for chunk in lines for l in chunk.splitlines()]


def metrics(desc: dict) -> dict[str, float]:
    return {m["MetricName"]: m["Value"] for m in desc.get("FinalMetricDataList", [])}


def log_series(session, name: str, key: str) -> list[tuple[float, float]]:
    """`key=value;` pairs from the job log, e.g. ("epoch", "train_loss"), for a loss curve."""
    logs = session.client("logs")
    seen: dict[str, str | None] = {}
    out = []
    rx = re.compile(rf"\b{re.escape(key)}=([-0-9.eE]+)")
    ep = re.compile(r"\bepoch=([0-9.]+)")
    for line in _new_lines(logs, name, seen):
        m = rx.search(line)
        if m:
            e = ep.search(line)
            out.append((float(e.group(1)) if e else float(len(out)), float(m.group(1))))
    return out
