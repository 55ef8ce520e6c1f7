"""Notebooks in git are clean: no stray outputs, counts or machine paths."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
BOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_notebooks_are_clean():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "nbclean.py"), "--check", *map(str, BOOKS)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_notebook_has_a_parameters_cell_and_no_installs():
    for book in BOOKS:
        nb = nbformat.read(book, as_version=4)
        tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, f"{book.name}: needs exactly one cell tagged 'parameters'"
        assert 'MODE = "auto"' in tagged[0].source
        for cell in nb.cells:
            assert "pip install" not in cell.source and "conda install" not in cell.source, book.name
        text = book.read_text()
        for path in ("/tmp/", "/root/", "/home/"):
            assert path not in text, f"{book.name} carries a machine path ({path})"


def test_every_notebook_opens_with_what_how_long_and_cost():
    for book in BOOKS:
        first = nbformat.read(book, as_version=4).cells[0]
        assert first.cell_type == "markdown"
        assert "How long" in first.source and ("cost" in first.source.lower()), book.name
