"""Notebooks in git are clean, built from their sources, and shaped like workshop notebooks."""
from __future__ import annotations

import nbformat
import pytest

from helpers import notebooks
from labs import LABS

BOOKS = [lab.notebook for lab in LABS if lab.notebook.is_file()]  # a missing one fails the tests above


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.stem)
def test_notebook_is_built_from_its_source(lab):
    """One source of truth: rebuilding the notebook from labs/<room>/NN_name.py changes no cell."""
    assert notebooks.differences(lab) == [], "run `python -m helpers.notebooks build` (or `make notebooks`)"


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.stem)
def test_notebook_is_clean(lab):
    assert lab.notebook.is_file(), f"{lab.notebook.name} is missing (`make notebooks ONLY={lab.number}`)"
    nb = nbformat.read(lab.notebook, as_version=4)
    assert not notebooks.clean(nb), f"{lab.notebook.name} is not clean: run `python -m helpers.notebooks build`"


def test_every_notebook_names_its_source_in_a_first_cell_banner():
    for lab in LABS:
        if not lab.notebook.is_file():
            continue  # named by test_notebook_is_clean
        first = nbformat.read(lab.notebook, as_version=4).cells[0]
        assert first.source.startswith("<small>Built from [`labs/"), lab.notebook.name
        assert lab.source.relative_to(lab.folder.parent.parent).as_posix() in first.source


def test_a_hand_edit_is_caught(tmp_path, monkeypatch):
    """The drift check can fail: change one cell of a copy and it is named."""
    lab = LABS[0]
    nb = nbformat.read(lab.notebook, as_version=4)
    nb.cells[2].source += "\nprint('edited by hand')"
    copy = tmp_path / lab.notebook.name
    nbformat.write(nb, copy)
    monkeypatch.setattr(type(lab), "notebook", property(lambda self: copy))
    problems = notebooks.differences(lab)
    assert problems and "c02" in problems[0]


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
