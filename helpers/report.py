"""Key results of a lab, for the person reading the notebook and for the
workshop summary.

`record(...)` shows the values in the notebook and, when the workshop runner
executes the notebook (it sets WORKSHOP_RESULTS), also appends them to a
JSON file the runner turns into the one-page summary.
"""
from __future__ import annotations

import json
import os
from pathlib import Path


def record(**results) -> dict:
    target = os.environ.get("WORKSHOP_RESULTS")
    if target:
        path = Path(target)
        data = json.loads(path.read_text()) if path.exists() else {}
        data.update({k: _plain(v) for k, v in results.items()})
        path.write_text(json.dumps(data, indent=1, sort_keys=True))
    return results


def _plain(value):
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, (int, str, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


def table(rows: list[dict], columns: list[str] | None = None):
    """A small pandas table for display (pandas renders nicely in Jupyter and in text).

    Messages are the point of most tables here, so columns are never truncated."""
    import pandas as pd

    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.width", 250)

    frame = pd.DataFrame(rows)
    if columns is not None:
        frame = frame.reindex(columns=columns)
    return frame
