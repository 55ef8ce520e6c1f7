"""labs/qa_lambda/model.py: windowing, span rules, SQuAD metrics, cache keys, training.

Models here are tiny and random (a 2-layer BertForQuestionAnswering with
the packaged tokenizer), or fake runners whose logits are set by hand, so a
test can say exactly where the answer must be found. No real training.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from tests.support import make_tiny_qa_model

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from helpers.models import packaged_encoder  # noqa: E402
from labs.qa_lambda import model as qa

REPO = Path(__file__).resolve().parents[3]
DATA = REPO / "data" / "qa"


make_tiny_model = make_tiny_qa_model


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return make_tiny_model(tmp_path_factory.mktemp("tiny-qa"))


@pytest.fixture(scope="module")
def tokenizer():
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(packaged_encoder() / "tokenizer.json"))


def pointing_runner(tokenizer, word: str, question_boost: float = 0.0):
    """A fake model: high start/end logits on `word` wherever it appears, and
    (optionally) even higher ones on every question token, the trap a naive
    argmax falls into."""
    ids = tokenizer.encode(word, add_special_tokens=False).ids
    first, last = ids[0], ids[-1]

    def run(feats):
        x, types = feats["input_ids"], feats["token_type_ids"]
        start = np.where(x == first, 10.0, 0.0).astype(np.float32)
        end = np.where(x == last, 10.0, 0.0).astype(np.float32)
        if question_boost:
            in_question = (types == 0) & (feats["attention_mask"] == 1)
            start = start + question_boost * in_question
            end = end + question_boost * in_question
        return start, end

    return run


def long_context(n_sentences: int, tail: str) -> str:
    filler = "The committee met again on a quiet afternoon and discussed the weather at length."
    return " ".join([filler] * n_sentences + [tail])


def test_windowing_finds_the_answer_in_the_last_window(tokenizer):
    a = qa.app()
    model = a.QAModel(tokenizer, pointing_runner(tokenizer, "mannheim"), max_length=64, doc_stride=16)
    context = long_context(40, "The workshop was in Mannheim.")
    win = model.windows("Where was the workshop?", context)
    assert len(win) >= 10
    hits = [w for w in range(len(win)) if (win.input_ids[w][win.context_mask[w]] ==
                                           tokenizer.token_to_id("mannheim")).any()]
    assert hits == [len(win) - 1]  # only the last window holds it
    out = model.answer("Where was the workshop?", context)
    assert out["answer"] == "Mannheim"
    assert (out["start"], out["end"]) == (context.rindex("Mannheim"), context.rindex("Mannheim") + 8)
    assert 0 < out["score"] <= 1


def test_windows_cover_the_whole_context_in_order(tokenizer):
    a = qa.app()
    plain, pair = a.prepare_tokenizer(tokenizer)
    context = long_context(30, "The end.")
    win = a.encode_windows(plain, pair, "What?", context, max_length=48, doc_stride=12)
    covered = np.zeros(len(context), dtype=bool)
    last_start = -1
    for w in range(len(win)):
        offs = win.offsets[w][win.context_mask[w]]
        assert offs[0, 0] > last_start
        last_start = offs[0, 0]
        for s, e in offs:
            covered[s:e] = True
        assert win.attention_mask[w].sum() <= 48
    assert all(covered[i] for i, ch in enumerate(context) if not ch.isspace())


def test_spans_never_cross_into_the_question(tokenizer):
    a = qa.app()
    runner = pointing_runner(tokenizer, "mannheim", question_boost=50.0)
    model = a.QAModel(tokenizer, runner, max_length=64, doc_stride=16)
    question = "Was the workshop in Mannheim or in Mannheim?"
    for context in ("The workshop was in Mannheim.", long_context(12, "It was in Mannheim.")):
        out = model.answer(question, context)
        assert 0 <= out["start"] <= out["end"] <= len(context)
        assert context[out["start"]:out["end"]] == out["answer"]
        assert out["answer"] == "Mannheim"


def test_best_span_keeps_start_before_end_and_bounds_the_length():
    best_span = qa.app().best_span
    start = np.zeros((1, 60), np.float32)
    end = np.zeros((1, 60), np.float32)
    mask = np.ones((1, 60), bool)
    mask[0, :5] = False
    start[0, 40], end[0, 10] = 9.0, 9.0  # the separate argmaxes give end < start
    w, i, j, _ = best_span(start, end, mask)
    assert i <= j
    start[:] = 0
    end[:] = 0
    start[0, 6], end[0, 50] = 9.0, 9.0  # 45 tokens: longer than an answer may be
    w, i, j, score = best_span(start, end, mask, max_answer_tokens=30)
    assert j - i < 30 and 0 < score <= 1
    assert best_span(start, end, np.zeros_like(mask)) is None  # no context tokens: no span


def test_windows_are_ranked_against_their_own_not_here_score():
    """A window whose [CLS] says "not here" loses even with the larger raw span logits."""
    best_span = qa.app().best_span
    start = np.zeros((2, 20), np.float32)
    end = np.zeros((2, 20), np.float32)
    mask = np.ones((2, 20), bool)
    mask[:, 0] = False  # [CLS] is never part of an answer
    start[0, 5], end[0, 6] = 8.0, 8.0  # window 0: a confident span ...
    start[0, 0], end[0, 0] = 12.0, 12.0  # ... but the model says the answer is not in it
    start[1, 3], end[1, 4] = 6.0, 6.0  # window 1: a smaller span, nothing against it
    assert best_span(start, end, mask)[:3] == (1, 3, 4)
    start[0, 0] = end[0, 0] = 0.0  # without the null score the raw logits decide
    assert best_span(start, end, mask)[:3] == (0, 5, 6)


def test_negative_rows_pair_questions_with_another_articles_paragraph():
    import random

    rows = qa.load_squad(DATA / "train.json")
    negatives = qa._negative_rows(rows, 0.25, random.Random(0))
    assert abs(len(negatives) - round(0.25 * len(rows))) <= 3
    for n in negatives:
        assert n["answer_start"] == -1 and n["answer"].lower() not in n["context"].lower()
        own = next(r for r in rows if r["id"] == n["id"][: -len("-neg")])
        assert own["id"].split("-")[1] != n["id"].split("-")[1] or own["context"] != n["context"]
        assert own["context"] != n["context"]
    assert qa._negative_rows(rows, 0.0, random.Random(0)) == []


def test_negative_windows_are_labelled_not_here(tokenizer):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(packaged_encoder()))
    row = {"question": "When?", "context": "Nothing about it here.", "answer": "1886", "answer_start": -1}
    feats = qa._train_features(tok, [row], 64, 16)
    assert [(f["start_positions"], f["end_positions"]) for f in feats] == [(0, 0)]


def test_distractors_hide_the_paragraph_but_keep_the_offsets():
    rows = qa.load_squad(DATA / "dev.json")
    long_rows = qa.with_distractors(rows, 6)
    assert len(long_rows) == len(rows)
    for r, lr in zip(rows, long_rows):
        assert r["context"] in lr["context"] and len(lr["context"]) > 3 * len(r["context"])
        assert lr["context"][lr["answer_start"]: lr["answer_start"] + len(lr["answer"])] == r["answer"]
    assert qa.with_distractors(rows, 6) == long_rows  # deterministic: the same benchmark every run


def test_backend_auto_picks_the_onnx_export_when_there_is_one(tiny, tmp_path):
    a = qa.app()
    model_dir = tmp_path / "m"
    shutil.copytree(tiny, model_dir)
    assert a.resolve_backend(model_dir) == "torch"
    assert a.resolve_backend(model_dir, "onnx") == "onnx"  # explicit wins (and fails later if missing)
    (model_dir / "model.int8.onnx").write_bytes(b"")
    assert a.resolve_backend(model_dir) == "onnx"
    assert a.resolve_backend(model_dir, "torch") == "torch"
    with pytest.raises(ValueError, match="auto, torch or onnx"):
        a.resolve_backend(model_dir, "tensorrt")


def test_tiny_model_answers_inside_the_context(tiny):
    context = long_context(60, "Karl Benz patented the car in 1886.")
    out = qa.answer(tiny, "When was the car invented?", context)
    assert 0 <= out["start"] <= out["end"] <= len(context)
    assert context[out["start"]:out["end"]] == out["answer"]
    assert len(qa.load(str(tiny)).plain.encode(out["answer"], add_special_tokens=False).ids) <= 30


def test_squad_normalisation_and_scores():
    assert qa.normalize_answer("The  Benz Patent-Motorwagen!") == "benz patentmotorwagen"
    assert qa.normalize_answer("An apple, a day") == "apple day"
    assert qa.exact_match("in 1886.", "1886") == 0.0
    assert qa.exact_match("The 1886", "1886!") == 1.0
    assert qa.f1_score("in 1886 by Benz", "1886") == pytest.approx(0.4)
    assert qa.f1_score("Ford", "1886") == 0.0
    assert qa.f1_score("", "") == 1.0


def test_evaluate_reports_overall_and_by_type(tiny):
    res = qa.evaluate_qa(tiny, DATA, split="dev", limit=12)
    assert res["count"] == 12 and 0 <= res["exact_match"] <= res["f1"] <= 100
    types = json.loads((DATA / "dev.json").read_text())
    ids = [q["id"] for a in types["data"] for p in a["paragraphs"] for q in p["qas"]][:12]
    assert set(res["by_type"]) == {i.rsplit("-", 1)[-1] for i in ids}
    assert sum(v["count"] for v in res["by_type"].values()) == 12


def test_fingerprint_follows_config_and_data(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_MODEL_CACHE", str(tmp_path / "cache"))
    a = qa.model_dir_for(epochs=2, lr=5e-5)
    assert a == qa.model_dir_for(epochs=2, lr=5e-5)
    assert a.name.startswith("qa-")
    assert a != qa.model_dir_for(epochs=2, lr=1e-4)
    assert a != qa.model_dir_for(epochs=3, lr=5e-5)
    assert a != qa.model_dir_for(epochs=2, lr=5e-5, max_length=384)
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    assert qa.model_dir_for(data_dir=data, epochs=2, lr=5e-5) == a  # same bytes, same model
    (data / "train.json").write_text((DATA / "train.json").read_text().replace("1886", "1887"))
    assert qa.model_dir_for(data_dir=data, epochs=2, lr=5e-5) != a
    (data / "dev.json").write_text("{}")  # evaluation data does not retrain
    assert qa.model_dir_for(data_dir=data, epochs=2, lr=5e-5) == qa.model_dir_for(data_dir=data, epochs=2,
                                                                                   lr=5e-5)
    monkeypatch.setattr(qa, "_batches", lambda feats, size, rng: [feats])  # a change to training code
    assert qa.model_dir_for(epochs=2, lr=5e-5) != a


def test_three_step_training_is_saved_loadable_and_cached(tiny, tmp_path, monkeypatch):
    from transformers import AutoModelForQuestionAnswering

    monkeypatch.setenv("WORKSHOP_MODEL_CACHE", str(tmp_path / "cache"))
    kwargs = dict(data_dir=DATA, epochs=1, max_steps=3, train_limit=20, batch_size=4, max_length=128,
                  progress=False)
    out = qa.train_qa(str(tiny), **kwargs)
    assert (out / "DONE").is_file() and out.parent == tmp_path / "cache"
    info = json.loads((out / "train_info.json").read_text())
    assert info["steps"] == 3 and info["examples"] == 20
    assert json.loads((out / "qa_config.json").read_text()) == {"max_length": 128, "doc_stride": 96}
    AutoModelForQuestionAnswering.from_pretrained(str(out))
    car = qa.car_context(DATA)
    res = qa.answer(out, "When was the car invented?", car)
    assert car[res["start"]:res["end"]] == res["answer"]

    marker = (out / "DONE").stat().st_mtime_ns
    monkeypatch.setattr(AutoModelForQuestionAnswering, "from_pretrained",
                        classmethod(lambda *a, **k: pytest.fail("retrained a cached model")))
    t = time.perf_counter()
    assert qa.train_qa(str(tiny), **kwargs) == out
    assert time.perf_counter() - t < 2.0
    assert (out / "DONE").stat().st_mtime_ns == marker


def test_onnx_export_gives_the_same_answers(tiny, tmp_path):
    pytest.importorskip("onnx")
    model_dir = tmp_path / "m"
    shutil.copytree(tiny, model_dir)
    fp32 = qa.export_onnx(model_dir, quantize=False)
    assert fp32.name == "model.onnx"
    torch_model = qa.app().QAModel.load(model_dir, backend="torch")
    onnx_model = qa.app().QAModel.load(model_dir, backend="onnx", onnx_file="model.onnx")
    context = long_context(20, "Karl Benz patented the car in 1886.")
    for question in ("When was the car invented?", "Who met?"):
        a, b = torch_model.answer(question, context), onnx_model.answer(question, context)
        assert (a["start"], a["end"]) == (b["start"], b["end"])
        assert a["score"] == pytest.approx(b["score"], rel=1e-3, abs=1e-5)


@pytest.mark.slow
@pytest.mark.skipif(not (qa.model_dir_for(**qa.QUICK) / "DONE").is_file() and os.environ.get("QA_TRAIN") != "1",
                    reason="trains the QUICK model (~3 min): set QA_TRAIN=1, or train it once first")
def test_quick_model_answers_the_car_question():
    model_dir = qa.train_qa(**qa.QUICK, progress=False)
    assert qa.answer(model_dir, "When was the car invented?", qa.car_context())["answer"] == "1886"
