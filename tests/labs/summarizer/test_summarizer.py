"""The summarizer lab's scripts, against a tiny randomly initialised model.

A real fine-tune takes minutes; these tests check the contracts instead:
train.py's SageMaker side (channels, model dir, metric lines, metrics.json,
clean failures) and inference.py's request checking. The tiny model has the
packaged tokenizer, so token ids and special tokens are the real ones.
"""
from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers.models import packaged_encoder
from labs.summarizer import model as lab

ROWS = 20
METRIC_KEYS = {"train_loss", "eval_loss", "train_runtime", "test_rouge1", "test_rouge2", "test_rougeL",
               "baseline_rouge1", "baseline_rouge2", "baseline_rougeL", "baseline_n_words", "test_rows"}


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    """A 2-layer, 32-wide BERT encoder-decoder with the packaged tokenizer, saved like a checkpoint."""
    import torch
    from transformers import (AutoTokenizer, BertConfig, BertLMHeadModel, BertModel, EncoderDecoderModel,
                              GenerationConfig)

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(packaged_encoder())
    size = dict(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                intermediate_size=64, max_position_embeddings=160)
    model = EncoderDecoderModel(encoder=BertModel(BertConfig(**size)),
                                decoder=BertLMHeadModel(BertConfig(**size, is_decoder=True,
                                                                   add_cross_attention=True)))
    ids = dict(decoder_start_token_id=tokenizer.cls_token_id, bos_token_id=tokenizer.cls_token_id,
               eos_token_id=tokenizer.sep_token_id, pad_token_id=tokenizer.pad_token_id)
    for key, value in ids.items():
        setattr(model.config, key, value)
    model.config.vocab_size = tokenizer.vocab_size
    model.generation_config = GenerationConfig(**ids, max_length=8, num_beams=2, no_repeat_ngram_size=2)
    folder = tmp_path_factory.mktemp("tiny")
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def small_data(tmp_path_factory) -> Path:
    """The first 20 rows of each split, as train/validation/test.csv."""
    folder = tmp_path_factory.mktemp("reviews")
    for name in lab.CHANNELS:
        with (lab.DATA / f"{name}.csv").open(newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))[: ROWS + 1]
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)
    return folder


@pytest.fixture(scope="module")
def inference():
    return lab._script("inference")


@pytest.fixture(scope="module")
def loaded(inference, tiny_model):
    return inference.model_fn(str(tiny_model))


def _run_train(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SM_")}
    return subprocess.run([sys.executable, str(lab.SCRIPTS / "train.py"), *args], capture_output=True, text=True,
                          env={**clean, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **env}, timeout=300)


# --------------------------------------------------------------------------- train.py


def test_train_runs_end_to_end_and_is_cached(tiny_model, small_data, tmp_path, monkeypatch):
    """Two steps on 20 rows through train_locally: SM_* channels in, a clean model dir and metrics out."""
    monkeypatch.setenv("WORKSHOP_MODEL_CACHE", str(tmp_path / "cache"))
    hp = {"model_name": str(tiny_model), "max_steps": 2, "per_device_train_batch_size": 4,
          "max_target": 8, "num_beams": 2}
    model_dir = lab.train_locally(hp, data_dir=small_data, echo=False)

    run = model_dir.parent
    assert run.name.startswith("summarizer-") and (run / "DONE").exists()
    assert {"config.json", "model.safetensors", "generation_config.json", "tokenizer.json",
            "summarizer.json"} <= {p.name for p in model_dir.iterdir()}
    assert not list(model_dir.glob("checkpoint-*")), "checkpoints must be deleted"
    metrics = lab.load_metrics(model_dir)
    assert METRIC_KEYS <= set(metrics)
    assert metrics["steps"] == 2 and metrics["test_rows"] == ROWS and metrics["train_rows"] == ROWS
    assert 0 <= metrics["test_rouge1"] <= 1 and metrics["baseline_rouge1"] > 0

    log = (run / "train.log").read_text()
    for definition in lab.METRIC_DEFINITIONS:  # every documented metric is printed parseably
        assert re.search(definition["Regex"], log), definition["Name"]
    assert re.search(r"^epoch=[0-9.]+; eval_loss=[0-9.]+;$", log, re.M)

    started = time.time()  # same data, script and hyperparameters: reused, not retrained
    assert lab.train_locally(hp, data_dir=small_data, echo=False) == model_dir
    assert time.time() - started < 2

    report = lab.rouge_report(model_dir, small_data / "test.csv", limit=4)
    assert report["rows"] == 4 and set(report["model"]) == {"rouge1", "rouge2", "rougeL"}


def test_train_fails_clearly_on_a_missing_channel(tmp_path):
    channels = lab.write_channels(lab.DATA, tmp_path / "channels")
    env = {"SM_CHANNEL_TRAIN": str(channels["train"]), "SM_CHANNEL_VALIDATION": str(tmp_path / "nowhere"),
           "SM_CHANNEL_TEST": str(channels["test"]), "SM_MODEL_DIR": str(tmp_path / "model"),
           "SM_OUTPUT_DATA_DIR": str(tmp_path / "out")}
    done = _run_train(["--max_steps", "1"], env)
    assert done.returncode != 0
    assert "channel 'validation' is missing" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("args, message", [
    (["--epochs", "0"], "--epochs must be > 0"),
    (["--warmup_ratio", "1.5"], "--warmup_ratio must be in [0, 1)"),
    (["--learning_rate", "fast"], "invalid float value"),
    (["--no_such_option", "1"], "unrecognized arguments"),
    (["--decoder_layers", "0"], "--decoder_layers must be >= 1"),
    (["--decoder_layers", "2", "--tie_encoder_decoder", "true", "--freeze_encoder", "false"],
     "--decoder_layers and --tie_encoder_decoder exclude each other"),
    (["--tie_encoder_decoder", "true"], "--freeze_encoder and --tie_encoder_decoder exclude each other"),
])
def test_train_refuses_bad_arguments(args, message):
    done = _run_train(args, {})
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_write_channels_and_baseline(tmp_path):
    channels = lab.write_channels(lab.DATA, tmp_path)
    assert set(channels) == {"train", "validation", "test"}
    assert all(len(list(folder.glob("*.csv"))) == 1 for folder in channels.values())
    assert lab.baseline("The fabric is  soft and warm.", 3) == "The fabric is"


# --------------------------------------------------------------------------- inference.py


def test_predict_one_text_and_a_list(inference, loaded):
    one = inference.predict_fn({"inputs": "Runs small, order a size up."}, loaded)
    assert isinstance(one, list) and len(one) == 1 and isinstance(one[0], str)
    many = inference.predict_fn({"inputs": ["Soft and warm.", "Fell apart after one wash.", "Great color."],
                                 "parameters": {"num_beams": 1, "max_length": 6}}, loaded)
    assert len(many) == 3 and all(isinstance(s, str) for s in many)


def test_parameters_list_gives_one_list_per_set(inference, loaded):
    sets = [{"length_penalty": lp, "num_beams": 2, "min_length": 2, "max_length": 8} for lp in (2, 1, 0.6, 0.4)]
    out = inference.predict_fn({"inputs": ["Soft and warm.", "Too short."], "parameters_list": sets}, loaded)
    assert len(out) == 4 and all(isinstance(run, list) and len(run) == 2 for run in out)


def test_full_request_cycle_returns_json(inference, loaded):
    data = inference.input_fn(b'{"inputs": "Lovely dress, fits well."}', "application/json; charset=utf-8")
    body = inference.output_fn(inference.predict_fn(data, loaded), "application/json")
    assert isinstance(json.loads(body), list)
    assert json.loads(inference.output_fn([["a"], ["b"]], None)) == [["a"], ["b"]]


@pytest.mark.parametrize("body, content_type, status", [
    ("not json", "application/json", 400),
    ('{"inputs": "x"}', "text/csv", 415),
    ('{"inputs": "x"}', None, 415),
])
def test_input_fn_refuses(inference, body, content_type, status):
    with pytest.raises(inference.BadRequest) as err:
        inference.input_fn(body, content_type)
    assert err.value.status == status and isinstance(err.value, ValueError)


def _params(**kw):
    return {"inputs": "Nice.", "parameters": kw}


@pytest.mark.parametrize("data, status, fragment", [
    ([1, 2], 400, "JSON object"),
    ({"text": "x"}, 400, "unknown field"),
    ({"parameters": {}}, 400, "no 'inputs'"),
    ({"inputs": 5}, 400, "string or a list of strings"),
    ({"inputs": ["ok", 3]}, 400, "string or a list of strings"),
    ({"inputs": []}, 400, "must not be empty"),
    ({"inputs": "   "}, 400, "must not be empty"),
    ({"inputs": ["x"] * 17}, 413, "at most 16 inputs"),
    ({"inputs": "x" * 5001}, 413, "limit is 5000"),
    (_params(output_scores=True), 400, "unknown generation parameter"),
    (_params(num_beams=9), 400, "between 1 and 8"),
    (_params(num_beams=2.5), 400, "must be an integer"),
    (_params(num_beams=True), 400, "must be an integer"),
    (_params(max_length=129), 400, "between 1 and 128"),
    (_params(length_penalty=6), 400, "at most 5"),
    (_params(temperature=0), 400, "greater than 0"),
    (_params(top_p=1.5), 400, "at most 1"),
    (_params(do_sample="yes"), 400, "true or false"),
    (_params(min_length=10, max_length=5), 400, "greater than max_length"),
    ({"inputs": "x", "parameters": [1]}, 400, "JSON object of generation parameters"),
    ({"inputs": "x", "parameters_list": []}, 400, "non-empty list"),
    ({"inputs": "x", "parameters_list": [{}] * 9}, 413, "at most 8 parameter sets"),
    ({"inputs": "x", "parameters_list": [{"num_beams": 0}]}, 400, "parameters_list[0]"),
    ({"inputs": "x", "parameters": {}, "parameters_list": [{}]}, 400, "not both"),
])
def test_predict_fn_refuses(inference, loaded, data, status, fragment):
    with pytest.raises(inference.BadRequest) as err:
        inference.predict_fn(data, loaded)
    assert err.value.status == status
    assert fragment in str(err.value)


def test_output_fn_refuses_other_accept_types(inference):
    with pytest.raises(inference.BadRequest) as err:
        inference.output_fn(["a"], "text/csv")
    assert err.value.status == 406


def test_freeze_keeps_the_encoder_and_embeddings_fixed(tiny_model):
    """The default recipe trains only the decoder's layers and cross-attention."""
    from transformers import EncoderDecoderModel

    train = lab._script("train")
    model = EncoderDecoderModel.from_pretrained(str(tiny_model))
    total = sum(p.numel() for p in model.parameters())
    trainable = train.freeze(model, encoder=True, embeddings=True)
    assert 0 < trainable < total
    assert not any(p.requires_grad for p in model.get_encoder().parameters())
    assert not model.get_decoder().get_input_embeddings().weight.requires_grad
    assert any(p.requires_grad for n, p in model.get_decoder().named_parameters() if "crossattention" in n)
    fresh = EncoderDecoderModel.from_pretrained(str(tiny_model))
    assert train.freeze(fresh, encoder=False, embeddings=False) == total
