"""How long lab 01's spend and queue projection takes for an event's size (the notebook re-runs it
whenever an organiser changes a lever, so it has to stay interactive).

    python benchmarks/event_projection.py
"""
from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from labs.deepracer_event.deepracer import ProjectionInputs, project  # noqa: E402


def main() -> None:
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    print(f"{'racers':>7} {'slots':>6} {'jobs':>7} {'seconds (best of 3)':>20}")
    for racers, slots in ((200, 8), (2000, 500), (10000, 500)):
        inputs = ProjectionInputs(racers=racers, quota_hours=5, training_slots=slots)
        best, jobs = float("inf"), 0
        for _ in range(3):
            started = time.perf_counter()
            p = project(inputs)
            best = min(best, time.perf_counter() - started)
            jobs = len(p.jobs)
        print(f"{racers:>7} {slots:>6} {jobs:>7} {best:>20.2f}")


if __name__ == "__main__":
    main()
