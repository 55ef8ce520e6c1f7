"""The summarizer lab's local side: channels, a cached local training run, ROUGE.

In AWS mode the notebook hands `labs/summarizer/code/train.py` to a
Hugging Face estimator. In local mode `train_locally` runs the very same
script in a subprocess with the SM_* variables a training container would
set, so the script is exercised the same way in both modes; the trained
model is cached by a fingerprint of data + script + hyperparameters, so
re-running the notebook does not retrain.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from helpers.models import cache_root, fingerprint

ROOT = Path(__file__).resolve().parents[2]
#: The code the training job and the endpoint run (shipped to SageMaker as the source directory).
SCRIPTS = Path(__file__).resolve().with_name("code")
DATA = ROOT / "data" / "reviews"
CHANNELS = ("train", "validation", "test")

# Measured on the 2-core CPU (test split, 100 rows; baseline = the review's first
# four words: ROUGE-1/2/L 0.091 / 0.022 / 0.086). train.py freezes the encoder and
# the embeddings by default (--freeze_encoder/--freeze_embeddings): half the work
# per step, and the pretrained sentence encoder stays intact.
#   30 steps, lr 1e-3, everything trained:      0.031 / 0.000 / 0.031, 76 s
#   30 steps, lr 1e-3, encoder+embeddings frozen: 0.059 / 0.003 / 0.059, 42 s
#   100 steps, lr 1e-3, frozen:                 0.168 / 0.070 / 0.166, ~100 s (busy cores)  <- QUICK
#   2 epochs (~200 steps), lr 5e-4, frozen:     0.199 / 0.107 / 0.195, 126 s               <- FULL
QUICK: dict[str, Any] = {"model_name": "offline", "epochs": 1, "max_steps": 100,
                         "per_device_train_batch_size": 16, "learning_rate": 1e-3,
                         "warmup_ratio": 0.1, "weight_decay": 0.01, "max_source": 128, "max_target": 16}
FULL: dict[str, Any] = {"model_name": "offline", "epochs": 2, "per_device_train_batch_size": 16,
                        "learning_rate": 5e-4, "warmup_ratio": 0.1, "weight_decay": 0.01,
                        "max_source": 128, "max_target": 16}

# For the estimator: train.py prints `name=value;` lines.
METRIC_DEFINITIONS = [
    {"Name": name, "Regex": f"(?<![a-z_]){name}=([-0-9.e]+);"}
    for name in ("train_loss", "eval_loss", "test_rouge1", "test_rouge2", "test_rougeL",
                 "baseline_rouge1", "baseline_rouge2", "baseline_rougeL")
]


def hyperparameters(profile: str) -> dict[str, Any]:
    """QUICK for the quick profile (CI), FULL for the full one (the session's `config.profile`)."""
    if profile not in ("quick", "full"):
        raise ValueError(f"profile must be 'quick' or 'full', got {profile!r}")
    return dict(QUICK if profile == "quick" else FULL)


def write_channels(data_dir: Path | str, out_dir: Path | str) -> dict[str, Path]:
    """One folder per channel holding one CSV: the layout SageMaker mounts (and S3 prefixes mirror)."""
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    channels = {}
    for name in CHANNELS:
        source = data_dir / f"{name}.csv"
        if not source.exists():
            raise FileNotFoundError(f"{source} is missing: the {name} channel needs it")
        folder = out_dir / name
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, folder / f"{name}.csv")
        channels[name] = folder
    return channels


def _argv(hp: dict[str, Any]) -> list[str]:
    """Hyperparameters as SageMaker passes them: `--name value`, every value a string."""
    return [item for key, value in hp.items() if value is not None for item in (f"--{key}", str(value))]


def train_locally(hp: dict[str, Any], *, data_dir: Path | str = DATA, cache: Path | str | None = None,
                  echo: bool = True, timeout: float | None = None, cache_root_dir: Path | str | None = None) -> Path:
    """Run train.py as a training container would; return the model folder (cached).

    The run's folder holds `channels/`, `model/` (SM_MODEL_DIR), `output/`
    (SM_OUTPUT_DATA_DIR, with metrics.json), `train.log` and a DONE marker
    written last, so an interrupted run is redone rather than reused."""
    data_dir = Path(data_dir)
    script = SCRIPTS / "train.py"
    files = [data_dir / f"{name}.csv" for name in CHANNELS] + [script]
    key = fingerprint(files=files, config=hp)
    run = Path(cache) if cache else cache_root(cache_root_dir) / f"summarizer-{key}"
    model_dir = run / "model"
    if (run / "DONE").exists():
        return model_dir
    shutil.rmtree(run, ignore_errors=True)
    channels = write_channels(data_dir, run / "channels")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONUNBUFFERED": "1",
           "SM_MODEL_DIR": str(model_dir), "SM_OUTPUT_DATA_DIR": str(run / "output"),
           **{f"SM_CHANNEL_{name.upper()}": str(folder) for name, folder in channels.items()}}
    log = run / "train.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, str(script), *_argv(hp)], env=env, cwd=run,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert proc.stdout is not None
        for line in proc.stdout:
            out.write(line)
            if echo and "=" in line and line.rstrip().endswith(";"):
                print(line, end="", flush=True)  # the metric lines, not the library chatter
        code = proc.wait(timeout=timeout)
    if code != 0:
        tail = "".join(log.read_text().splitlines(keepends=True)[-15:])
        raise RuntimeError(f"train.py exited with {code}; last lines of {log}:\n{tail}")
    (run / "DONE").write_text(key)
    return model_dir


def load_metrics(model_dir: Path | str) -> dict[str, Any]:
    """metrics.json of a train_locally run (it sits next to the model folder)."""
    return json.loads((Path(model_dir).parent / "output" / "metrics.json").read_text())


def _script(name: str) -> ModuleType:
    """Import a lab script by path: the scripts stay self-contained for the containers."""
    spec = importlib.util.spec_from_file_location(f"summarizer_{name}", SCRIPTS / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def baseline(text: str, n_words: int = 4) -> str:
    """The review's first N words: the summary a model has to beat (4 = median title length)."""
    return " ".join(text.split()[:n_words])


def rouge_report(model_dir: Path | str, test_csv: Path | str, *, n_words: int = 4, limit: int | None = None,
                 parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    """ROUGE-1/2/L of the model and of the first-words baseline on a CSV (review, title columns).

    Uses inference.py's model_fn and generation, so it scores what the endpoint would answer."""
    import csv

    inference, train = _script("inference"), _script("train")
    with Path(test_csv).open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["review"].strip() and r["title"].strip()][:limit]
    texts, refs = [r["review"] for r in rows], [r["title"] for r in rows]
    loaded = inference.model_fn(str(model_dir))
    checked = inference.check_parameters(parameters or {})
    predictions: list[str] = []
    for i in range(0, len(texts), inference.MAX_INPUTS):
        predictions += inference.summarize(loaded, texts[i:i + inference.MAX_INPUTS], checked)
    model = train.rouge_scores(predictions, refs)
    base = train.rouge_scores([baseline(t, n_words) for t in texts], refs)
    return {"rows": len(rows), "model": model, "baseline": base,
            "examples": [{"review": t, "title": r, "model": p, "baseline": baseline(t, n_words)}
                         for t, r, p in list(zip(texts, refs, predictions))[:5]]}
