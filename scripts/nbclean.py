"""Keep notebooks clean in git, with the outputs nbval checks.

    python scripts/nbclean.py notebooks/*.ipynb                 # strip volatile state
    python scripts/nbclean.py --outputs-from build/notebooks notebooks/*.ipynb

Every output is removed except in cells marked `# NBVAL_CHECK_OUTPUT`: those
keep (or, with --outputs-from, take from an executed copy of the notebook)
the outputs `pytest --nbval-lax` compares against. Execution counts, widget
state and papermill metadata are dropped, so a diff shows only real changes.
Run it after editing a notebook; `tests/test_notebooks_clean.py` fails when
a committed notebook is not clean.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

MARK = "# NBVAL_CHECK_OUTPUT"
KEEP_NB_META = ("kernelspec", "language_info")


def clean(nb, executed=None) -> bool:
    """Clean in place; returns True if anything changed."""
    before = nbformat.writes(nb)
    sources = {}
    if executed is not None:
        sources = {c.get("id"): c for c in executed.cells if c.cell_type == "code"}
    nb.metadata = {k: v for k, v in nb.metadata.items() if k in KEEP_NB_META}
    counter = 0
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        cell.metadata = {"tags": tags} if tags else {}
        if cell.cell_type != "code":
            continue
        cell.execution_count = None
        if MARK in cell.source:
            # nbval treats a cell without an execution count as never run, so
            # checked cells keep a stable count (their position among them).
            counter += 1
            cell.execution_count = counter
            if executed is not None:
                run = sources.get(cell.get("id"))
                if run is None:
                    raise SystemExit(f"cell {cell.get('id')} is not in the executed notebook")
                cell.outputs = [o for o in run.outputs if not (o.output_type == "stream" and o.name == "stderr")]
            for o in cell.outputs:
                if "execution_count" in o:
                    o["execution_count"] = counter
                o.pop("metadata", None) if o.output_type == "stream" else None
        else:
            cell.outputs = []
    return nbformat.writes(nb) != before


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="+")
    ap.add_argument("--outputs-from", help="folder with executed copies (same file names)")
    ap.add_argument("--check", action="store_true", help="exit 1 if a notebook is not clean; change nothing")
    args = ap.parse_args()
    dirty = []
    for name in args.notebooks:
        path = Path(name)
        nb = nbformat.read(path, as_version=4)
        executed = None
        if args.outputs_from:
            executed = nbformat.read(Path(args.outputs_from) / path.name, as_version=4)
        if clean(nb, executed):
            dirty.append(path.name)
            if not args.check:
                nbformat.write(nb, path)
    if args.check and dirty:
        print("not clean (run scripts/nbclean.py):", ", ".join(dirty))
        return 1
    print(("cleaned: " + ", ".join(dirty)) if dirty else "all clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
