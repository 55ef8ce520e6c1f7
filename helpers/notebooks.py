"""The notebooks' one source of truth: `labs/<room>/NN_name.py` builds `notebooks/NN_name.ipynb`.

Why generated: a notebook is reviewed as a JSON diff, and a compact source
keeps cell boundaries deliberate. A source file is plain Python that defines
`cells`, a list of `md(...)` and `code(...)` cells. The built notebook opens
with a banner naming its source, and `tests/notebooks/test_sources.py`
rebuilds every notebook of the lab registry and fails on any difference in
cells, so the two cannot drift: edit the source, never the `.ipynb`.

    python -m helpers.notebooks build [NN ...]   # rewrite notebooks from their sources, keeping stored outputs
    python -m helpers.notebooks check            # exit 1 if a notebook differs from its source or is not clean
    python -m helpers.notebooks clean --outputs-from build/quick/notebooks [NN ...]

Stored outputs: every output is removed except in cells marked
`# NBVAL_CHECK_OUTPUT`, which keep (or, with --outputs-from, take from an
executed copy) the outputs `pytest --nbval-lax` compares against. Execution
counts, widget state and papermill metadata are dropped, so a diff shows only
real changes. `make notebooks` runs the quick profile and stores its outputs.
"""
from __future__ import annotations

import argparse
import runpy
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

MARK = "# NBVAL_CHECK_OUTPUT"
KEEP_NB_META = ("kernelspec", "language_info")
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (workshop)", "language": "python"}


def md(text: str):
    return new_markdown_cell(text.strip("\n"))


def code(src: str, *tags: str):
    cell = new_code_cell(src.strip("\n"))
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def banner(source: Path, root: Path) -> str:
    rel = source.relative_to(root).as_posix()
    return (f"<small>Built from [`{rel}`](../{rel}): edit that file, not this notebook, then run "
            f"`make notebooks`.</small>\n\n")


def build(lab) -> nbformat.NotebookNode:
    """The notebook a lab's source describes (no outputs), banner first."""
    from labs import ROOT

    if not lab.source.is_file():
        raise FileNotFoundError(f"lab {lab.number}: its notebook source {lab.source} is missing "
                                "(a Python file defining `cells = [md(...), code(...)]`)")
    cells = runpy.run_path(str(lab.source)).get("cells")
    if not cells:
        raise ValueError(f"{lab.source} must define a non-empty list `cells`")
    nb = new_notebook(cells=[nbformat.from_dict(dict(c)) for c in cells])
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    first = nb.cells[0]
    if first.cell_type != "markdown":
        raise ValueError(f"{lab.source}: the first cell must be the markdown header (what / how long / cost)")
    first.source = banner(lab.source, ROOT) + first.source
    for i, c in enumerate(nb.cells):
        c["id"] = f"c{i:02d}"
    return nb


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


def differences(lab) -> list[str]:
    """How the committed notebook differs from its source, cell by cell (empty when they agree)."""
    built = build(lab)
    if not lab.notebook.is_file():
        return [f"{lab.notebook.name} is missing (python -m helpers.notebooks build {lab.number})"]
    stored = nbformat.read(lab.notebook, as_version=4)
    out = []
    if len(built.cells) != len(stored.cells):
        out.append(f"{lab.notebook.name}: {len(stored.cells)} cells, its source has {len(built.cells)}")
    for a, b in zip(built.cells, stored.cells):
        for key in ("id", "cell_type", "source"):
            if a.get(key) != b.get(key):
                out.append(f"{lab.notebook.name} cell {b.get('id')}: {key} differs from {lab.source.name}")
                break
        else:
            if a.get("metadata", {}).get("tags", []) != b.get("metadata", {}).get("tags", []):
                out.append(f"{lab.notebook.name} cell {b.get('id')}: tags differ from {lab.source.name}")
    return out


def write(lab) -> bool:
    """Rewrite a lab's notebook from its source, keeping the stored outputs of unchanged cells."""
    nb = build(lab)
    if lab.notebook.is_file():
        old = {c.get("id"): c for c in nbformat.read(lab.notebook, as_version=4).cells}
        for cell in nb.cells:
            prev = old.get(cell.get("id"))
            if cell.cell_type == "code" and prev is not None and prev.source == cell.source:
                cell.outputs = prev.get("outputs", [])
    clean(nb)
    text = nbformat.writes(nb) + "\n"
    if lab.notebook.is_file() and lab.notebook.read_text() == text:
        return False
    lab.notebook.write_text(text)
    return True


def _labs(numbers: list[str]):
    from labs import LABS

    return [lab for lab in LABS if not numbers or lab.number in numbers]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m helpers.notebooks", description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=("build", "check", "clean"))
    ap.add_argument("numbers", nargs="*", help="lab numbers (default: every lab)")
    ap.add_argument("--outputs-from", help="clean: folder with executed copies (same file names)")
    args = ap.parse_intermixed_args(argv)  # numbers may follow --outputs-from (the Makefile's order)
    labs = _labs(args.numbers)
    if args.command == "build":
        changed = [lab.notebook.name for lab in labs if write(lab)]
        print("rebuilt: " + ", ".join(changed) if changed else "every notebook matches its source")
        return 0
    if args.command == "clean":
        for lab in labs:
            nb = nbformat.read(lab.notebook, as_version=4)
            executed = None
            if args.outputs_from:
                executed = nbformat.read(Path(args.outputs_from) / lab.notebook.name, as_version=4)
            clean(nb, executed)
            lab.notebook.write_text(nbformat.writes(nb) + "\n")
        return 0
    problems = [p for lab in labs for p in differences(lab)]
    for lab in labs:
        nb = nbformat.read(lab.notebook, as_version=4) if lab.notebook.is_file() else None
        if nb is not None and clean(nb):
            problems.append(f"{lab.notebook.name} is not clean (python -m helpers.notebooks build)")
    print("\n".join(problems) or "every notebook matches its source and is clean")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
