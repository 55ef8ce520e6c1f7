"""The record a lab's footprint builder fills in: what it created, and with which helper.

Each lab that creates resources has a `footprint.py` in its room whose
`build(session, event, fp)` makes, in local mode, what the lab makes, with the
lab's own helpers, so the cleanup lab can be rehearsed on a real footprint
(see `labs.cleanup.rehearsal`). Builders share one `Footprint`: a later lab may
read what an earlier one recorded in `made` (lab 06 records the lineage of the
training job lab 03's builder started).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Footprint:
    event: str
    rows: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    #: Names later builders may need, e.g. {"training_job": "<event>-summarizer-tiny"}.
    made: dict[str, Any] = field(default_factory=dict)

    def add(self, lab: str, what: str, how: str) -> None:
        self.rows.append({"lab": lab, "created": what, "with": how})

    def table(self):
        from helpers.report import table

        return table(self.rows, columns=["lab", "created", "with"])
