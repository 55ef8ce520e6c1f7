"""Progress of long steps, seen where the person is looking.

In a notebook a long step (training epochs, a PPO run, a bulk import) shows a tqdm bar in its cell.
When the main job runs the notebook headless, nobody sees that cell until it ends, so the bar also
reports to a *progress file* the job gives the kernel (`session.config.progress`, a JSON line per
update, at most about once a second): the job's console shows the same step with its count and ETA
(`follow`).

    with progress.bar(total, "train qa", unit="step", report_to=session.config.progress) as bar:
        ...; bar.update(1)
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

REPORT_EVERY_S = 1.0


class Bar:
    """A tqdm bar in the notebook that also reports to a progress file (when there is one)."""

    def __init__(self, total: int | None, desc: str, *, unit: str = "it", enabled: bool = True,
                 report_to: Path | str | None = None, leave: bool = True, **tqdm_kwargs: Any) -> None:
        from tqdm.auto import tqdm

        self.desc, self.total, self.unit = desc, total, unit
        self.n = 0
        self.postfix = ""
        self._tqdm = tqdm(total=total, desc=desc, unit=unit, disable=not enabled, leave=leave, **tqdm_kwargs)
        self._file = Path(report_to) if report_to else None
        self._id = f"{desc}-{time.time_ns()}"
        self._last = 0.0
        self._report(force=True)

    def update(self, n: int = 1) -> None:
        self.n += n
        self._tqdm.update(n)
        self._report()

    def set_postfix_str(self, text: str, refresh: bool = True) -> None:
        self.postfix = text
        self._tqdm.set_postfix_str(text, refresh=refresh)

    def close(self) -> None:
        self._tqdm.close()
        self._report(force=True, done=True)

    def __enter__(self) -> "Bar":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _report(self, force: bool = False, done: bool = False) -> None:
        if self._file is None:
            return
        now = time.monotonic()
        if not force and now - self._last < REPORT_EVERY_S:
            return
        self._last = now
        line = {"id": self._id, "desc": self.desc, "n": self.n, "total": self.total, "unit": self.unit,
                "postfix": self.postfix, "done": done}
        try:
            with self._file.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(line) + "\n")
        except OSError:  # a progress report must never break the step it reports on
            self._file = None


def bar(total: int | None, desc: str, **kwargs: Any) -> Bar:
    return Bar(total, desc, **kwargs)


@dataclass
class Follower:
    """The main job's side: tail a progress file and show each step as a console bar."""

    path: Path
    poll_s: float = 0.5
    make_bar: Callable[..., Any] | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _bars: dict = field(default_factory=dict)
    _thread: threading.Thread | None = None
    _offset: int = 0
    seen: list[dict] = field(default_factory=list)

    def start(self) -> "Follower":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text("")
        self._thread = threading.Thread(target=self._run, name="progress-follower", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        self.read()  # what arrived after the last poll
        for b in self._bars.values():
            b.close()
        self._bars.clear()

    def __enter__(self) -> "Follower":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _run(self) -> None:
        while not self._stop.wait(self.poll_s):
            self.read()

    def read(self) -> None:
        """Apply every complete line written since the last read."""
        try:
            with self.path.open("r", encoding="utf-8") as fh:
                fh.seek(self._offset)
                chunk = fh.read()
        except OSError:
            return
        complete, _, _ = chunk.rpartition("\n")
        if not complete:
            return
        self._offset += len(complete.encode("utf-8")) + 1
        for raw in complete.splitlines():
            try:
                line = json.loads(raw)
            except json.JSONDecodeError:
                continue
            self.seen.append(line)
            self._show(line)

    def _show(self, line: dict) -> None:
        b = self._bars.get(line["id"])
        if b is None:
            make = self.make_bar or _console_bar
            b = self._bars[line["id"]] = make(total=line.get("total"), desc=f"    {line['desc']}",
                                                unit=line.get("unit", "it"))
        b.update(max(0, line["n"] - b.n))
        if line.get("postfix"):
            b.set_postfix_str(line["postfix"], refresh=False)
        if line.get("done"):
            b.close()
            del self._bars[line["id"]]


def _console_bar(**kwargs: Any):
    import sys

    from tqdm import tqdm

    # stderr, one line below papermill's cell bar (tqdm keeps the two lines apart)
    return tqdm(file=sys.stderr, position=1, leave=False, dynamic_ncols=True, mininterval=1.0, **kwargs)
