"""The lab registry (`labs.LABS`) is complete, and every room keeps to its own private names.

These are the checks a new lab gets for free (see CONTRIBUTING.md): register it
and the tests name whatever it still lacks."""
from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import nbformat
import pytest

import labs
from labs import CLEANUP_NUMBER, LABS, ROOT
from helpers.notebooks import MARK

NOTEBOOKS = ROOT / "notebooks"


def test_numbers_are_two_digits_unique_and_cleanup_is_last():
    numbers = [lab.number for lab in LABS]
    assert all(re.fullmatch(r"\d\d", n) for n in numbers), numbers
    assert len(set(numbers)) == len(numbers), "two labs share a number"
    assert numbers == sorted(numbers), "the registry lists labs in number order"
    assert numbers[-1] == CLEANUP_NUMBER and LABS[-1].room == "cleanup", "the cleanup is 99 and stays last"


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.stem)
def test_lab_has_its_notebook_source_and_guide(lab):
    """Everything a registered lab needs, named at once (CONTRIBUTING.md says how to make each)."""
    missing = []
    if not (re.fullmatch(r"[a-z][a-z0-9_]*", lab.name) and re.fullmatch(r"[a-z][a-z0-9_]*", lab.room)):
        missing.append("a lowercase name and room (letters, digits, _)")
    if not (lab.folder / "__init__.py").is_file():
        missing.append(f"labs/{lab.room}/__init__.py (the room is a package)")
    if not lab.source.is_file():
        missing.append(f"{lab.source.relative_to(ROOT)} (the notebook's source: `cells = [...]`)")
    if not lab.notebook.is_file():
        missing.append(f"{lab.notebook.relative_to(ROOT)} (`make notebooks ONLY={lab.number}` builds it)")
    if not lab.guide.is_file():
        missing.append(f"{lab.guide.relative_to(ROOT)} (the lab guide)")
    else:
        guide = lab.guide.read_text().lower()
        missing += [f"a '{section}' section in {lab.guide.name}" for section in ("Goal", "Steps", "Troubleshooting")
                    if section.lower() not in guide]
    assert not missing, f"lab {lab.number} lacks: " + "; ".join(missing)


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.stem)
def test_lab_notebook_is_checked_by_nbval(lab):
    """The test command runs nbval over notebooks/: a lab's notebook must live there and store the outputs
    of at least one checked cell (`# NBVAL_CHECK_OUTPUT`, refreshed by `make notebooks`)."""
    assert lab.notebook.parent == NOTEBOOKS
    assert lab.notebook.is_file(), f"{lab.notebook.relative_to(ROOT)} is missing (`make notebooks ONLY={lab.number}`)"
    nb = nbformat.read(lab.notebook, as_version=4)
    checked = [c for c in nb.cells if c.cell_type == "code" and MARK in c.source]
    assert checked, f"{lab.notebook.name}: no cell marked {MARK}"
    assert any(c.outputs for c in checked), f"{lab.notebook.name}: no stored outputs (run `make notebooks`)"


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.stem)
def test_lab_footprint_and_kinds(lab):
    """A lab that creates resources has a footprint builder, and every kind it declares is registered."""
    from helpers.resources import registry

    unknown = sorted(set(lab.kinds) - set(registry.kinds()))
    assert not unknown, (f"lab {lab.number} declares kinds the resource registry does not know: {unknown}; add a "
                         "lister, a phase and a deleter in helpers/resources/kinds/<service>.py")
    if lab.kinds:
        assert lab.footprint, f"lab {lab.number} creates {len(lab.kinds)} kinds but names no footprint"
        try:
            build = lab.footprint_builder()
        except (ImportError, AttributeError) as exc:
            raise AssertionError(f"lab {lab.number}: footprint {lab.footprint!r} cannot be imported "
                                 f"(labs/{lab.room}/footprint.py with build(session, event, fp)): {exc}") from None
        params = list(inspect.signature(build).parameters)
        assert params[:3] == ["session", "event", "fp"], f"{lab.footprint}: build(session, event, fp)"
        assert build.__module__ == f"labs.{lab.room}.footprint", "a lab's footprint lives in its own room"
    else:
        assert lab.footprint is None


def test_nothing_unregistered_sits_where_labs_go():
    stems = {lab.stem for lab in LABS}
    books = {p.stem for p in NOTEBOOKS.glob("*.ipynb")}
    assert books <= stems, f"notebooks not in the registry: {sorted(books - stems)}"
    sources = {p.stem for p in (ROOT / "labs").glob("*/[0-9][0-9]_*.py")}
    assert sources <= stems, f"notebook sources not in the registry: {sorted(sources - stems)}"
    rooms = {p.name for p in (ROOT / "labs").iterdir() if p.is_dir() and not p.name.startswith(("_", "."))}
    assert rooms == set(labs.rooms()), f"rooms no lab uses: {sorted(rooms - set(labs.rooms()))}"


def _imports(path: Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, [a.name for a in node.names]


def _python_files(folder: Path):
    return [p for p in folder.rglob("*.py") if "node_modules" not in p.parts]


def test_no_lab_imports_another_labs_private_names():
    problems = []
    for room in labs.rooms():
        for path in _python_files(ROOT / "labs" / room):
            for module, names in _imports(path):
                parts = module.split(".")
                if parts[0] == "labs" and len(parts) > 1 and parts[1] != room:
                    private = [n for n in names if n.startswith("_")] + [p for p in parts[2:] if p.startswith("_")]
                    if private:
                        problems.append(f"{path.relative_to(ROOT)}: {module} {private}")
    assert not problems, problems


def test_shared_helpers_import_no_lab_and_no_private_names():
    """helpers/ is shared: it may read the registry (labs.LABS) but never a lab's modules."""
    problems = []
    for path in _python_files(ROOT / "helpers"):
        for module, names in _imports(path):
            if module.startswith("labs."):
                problems.append(f"{path.relative_to(ROOT)} imports {module}")
            elif module.startswith("helpers.") and any(n.startswith("_") for n in names):
                problems.append(f"{path.relative_to(ROOT)} imports private {names} from {module}")
    assert not problems, problems
