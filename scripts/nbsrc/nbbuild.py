"""Tiny builder for the workshop notebooks: cells as Python data -> clean .ipynb.

Why: notebooks are reviewed as JSON diffs; writing them from a compact source
keeps cell boundaries deliberate. `new(path, cells)` writes a clean notebook
(no outputs, no execution counts) with the `parameters` tag papermill needs.
"""
from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def md(text: str):
    return new_markdown_cell(text.strip("\n"))


def code(src: str, *tags: str):
    cell = new_code_cell(src.strip("\n"))
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def new(path: str, cells: list) -> None:
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (workshop)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, c in enumerate(nb.cells):
        c["id"] = f"c{i:02d}"
    nbformat.write(nb, path)
