"""The progress channel: a notebook's long step reports to a file; the main job's console follows it."""
from __future__ import annotations

import json

from helpers import progress
from helpers.config import Config


class FakeBar:
    def __init__(self, total=None, desc="", unit="it"):
        self.total, self.desc, self.unit, self.n, self.closed, self.postfix = total, desc, unit, 0, False, ""

    def update(self, n):
        self.n += n

    def set_postfix_str(self, text, refresh=True):
        self.postfix = text

    def close(self):
        self.closed = True


def test_bar_reports_start_throttled_updates_and_the_end(tmp_path, monkeypatch):
    path = tmp_path / "p.jsonl"
    clock = iter([0.0, 0.1, 0.2, 1.5, 1.6, 1.7])
    monkeypatch.setattr(progress.time, "monotonic", lambda: next(clock))
    b = progress.bar(10, "train qa", unit="step", enabled=False, report_to=path)
    for _ in range(4):
        b.update(1)
    b.set_postfix_str("loss 0.5")
    b.close()
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert [(x["n"], x["done"]) for x in lines] == [(0, False), (3, False), (4, True)]
    assert lines[-1]["postfix"] == "loss 0.5" and {x["desc"] for x in lines} == {"train qa"}


def test_no_file_no_report(tmp_path):
    with progress.bar(3, "x", enabled=False) as b:
        b.update(3)
    assert list(tmp_path.iterdir()) == []


def test_follower_shows_each_step_and_closes_it(tmp_path):
    path = tmp_path / "progress" / "07.jsonl"
    made: list[FakeBar] = []

    def make(**kw):
        made.append(FakeBar(**kw))
        return made[-1]

    follower = progress.Follower(path, make_bar=make).start()
    first = progress.bar(100, "training", unit="step", enabled=False, report_to=path)
    first.update(40)
    first._last = -10  # let the next update report now
    first.update(20)
    first.close()
    with path.open("a") as fh:
        fh.write('{"id": "half')  # a line still being written is not read
    follower.stop()
    assert len(made) == 1 and made[0].total == 100 and made[0].unit == "step" and "training" in made[0].desc
    assert made[0].n == 60 and made[0].closed


def test_the_main_job_gives_each_kernel_its_file():
    cfg = Config().with_(progress="/tmp/x/07.jsonl")
    assert cfg.to_env()["WORKSHOP_PROGRESS"] == "/tmp/x/07.jsonl"
    assert str(Config.from_env(cfg.to_env()).progress) == "/tmp/x/07.jsonl"
    assert Config.from_env({}).progress is None
