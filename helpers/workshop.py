"""The main job: run every numbered notebook headlessly and write a summary.

    python -m helpers.workshop run [--profile full|quick] [--out build] [--only 02]

The notebooks are the labs of the registry (`labs.LABS`), in number order.
Each is executed with papermill in local mode (no AWS account needed) into
`<out>/notebooks/`, one after another, each in a fresh kernel (so each proves
it is self-sufficient), configured through `helpers.config` (the job sets
the kernel's WORKSHOP_* variables from one `Config`). The key results each lab
records (`session.record`) are gathered into `<out>/summary.md` and
`<out>/summary.json` with the status and duration of every lab.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import shutil
import time
from pathlib import Path

from helpers.config import Config

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def numbered_notebooks(only: list[str] | None = None) -> list[Path]:
    """The registry's notebooks in lab order (`only`: number prefixes such as "02")."""
    from labs import LABS

    books = [lab.notebook for lab in sorted(LABS, key=lambda lab: lab.number)]
    if only:
        books = [b for b in books if any(b.name.startswith(o) for o in only)]
    return books


def run_one(book: Path, out_dir: Path, profile: str, state_dir: Path, make_bar=None) -> dict:
    """Execute one notebook; its long steps (training...) report to a progress file shown here as bars."""
    import papermill as pm

    from helpers import progress

    results_file = out_dir / "results" / f"{book.stem}.json"
    results_file.parent.mkdir(parents=True, exist_ok=True)
    results_file.unlink(missing_ok=True)
    progress_file = out_dir / "progress" / f"{book.stem}.jsonl"
    config = Config.from_env().with_(mode="local", profile=profile, results=results_file,
                                     state_dir=state_dir / book.stem, progress=progress_file)
    env_before = dict(os.environ)
    os.environ.update(config.to_env())  # the kernel's only input channel; restored below
    shutil.rmtree(state_dir / book.stem, ignore_errors=True)
    started = time.time()
    status, error = "passed", ""
    try:
        with progress.Follower(progress_file, make_bar=make_bar):  # long steps' bars, in this console
            pm.execute_notebook(
                str(book), str(out_dir / "notebooks" / book.name),
                parameters={"MODE": "local", "PROFILE": profile},
                kernel_name="python3", cwd=str(NOTEBOOKS), progress_bar=True, log_output=False,
            )
    except Exception as exc:  # noqa: BLE001 - one failing lab must not hide the others
        status = "failed"
        error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else ''}"[:500]
    finally:
        os.environ.clear()
        os.environ.update(env_before)
    results = json.loads(results_file.read_text()) if results_file.exists() else {}
    return {"notebook": book.name, "status": status, "seconds": round(time.time() - started, 1),
            "error": error, "results": results}


def write_summary(out_dir: Path, runs: list[dict], profile: str) -> Path:
    lines = [
        "# Workshop run summary",
        "",
        f"Profile `{profile}`, local mode, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{platform.machine()} with {os.cpu_count()} cores, Python {platform.python_version()}.",
        "",
        "| Lab | Status | Duration | Key results |",
        "|---|---|---|---|",
    ]
    for r in runs:
        res = "; ".join(f"{k}: {_short(v)}" for k, v in r["results"].items()) or "—"
        status = r["status"] + (f" ({r['error']})" if r["error"] else "")
        lines.append(f"| {r['notebook']} | {status} | {r['seconds']:.0f} s | {res} |")
    total = sum(r["seconds"] for r in runs)
    passed = sum(r["status"] == "passed" for r in runs)
    lines += ["", f"**{passed}/{len(runs)} labs passed in {total:.0f} s.** "
                  "Executed notebooks are in `notebooks/` beside this file."]
    path = out_dir / "summary.md"
    path.write_text("\n".join(lines) + "\n")
    (out_dir / "summary.json").write_text(json.dumps({"profile": profile, "labs": runs}, indent=1))
    return path


def _short(value) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    return text if len(text) <= 80 else text[:77] + "..."


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m helpers.workshop", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="execute the numbered notebooks")
    run.add_argument("--profile", choices=("full", "quick"), default="full")
    run.add_argument("--out", default=str(ROOT / "build"))
    run.add_argument("--only", nargs="*", help="notebook number prefixes, e.g. 00 02")
    args = ap.parse_args(argv)
    out_dir = Path(args.out).resolve()
    (out_dir / "notebooks").mkdir(parents=True, exist_ok=True)
    state_dir = out_dir / "state"
    books = numbered_notebooks(args.only)
    if not books:
        print("no notebooks found", file=sys.stderr)
        return 2
    runs = []
    for i, book in enumerate(books, 1):
        print(f"[{i}/{len(books)}] {book.name} ...", flush=True)
        r = run_one(book, out_dir, args.profile, state_dir)
        print(f"    {r['status']} in {r['seconds']:.0f} s {r['error']}", flush=True)
        runs.append(r)
    summary = write_summary(out_dir, runs, args.profile)
    print(summary.read_text())
    return 0 if all(r["status"] == "passed" for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
