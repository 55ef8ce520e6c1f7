"""Key results of a lab, for the person reading the notebook and for the
workshop summary.

`record(target, ...)` returns the values for the notebook to show and, when
the workshop runner executes the notebook (the session's `config.results`
names a file), also merges them into that JSON file, which the runner turns
into the one-page summary. Notebooks call it as `session.record(...)`.
"""
from __future__ import annotations

import json
from pathlib import Path


def record(target: str | Path | None, **results) -> dict:
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
    frame = _frame(rows)
    if columns is not None:
        frame = frame.reindex(columns=columns)
    return frame


#: Display options for the workshop's tables, applied when a table is shown (never set globally).
WIDE = ("display.max_colwidth", None, "display.width", 250)


def _frame(rows):
    """A DataFrame that shows every column in full, without touching pandas' global options."""
    import pandas as pd

    class Table(pd.DataFrame):
        @property
        def _constructor(self):
            return Table

        def __repr__(self) -> str:
            with pd.option_context(*WIDE):
                return super().__repr__()

        def _repr_html_(self) -> str:  # Jupyter
            with pd.option_context(*WIDE):
                return super()._repr_html_()

    return Table(rows)
