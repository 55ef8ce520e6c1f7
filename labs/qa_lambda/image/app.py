"""Extractive question answering on AWS Lambda (container image, HTTP API payload 2.0).

Route: POST /inference with a JSON body {"question": ..., "context": ...}
  -> 200 {"Question", "Answer", "score", "start", "end"}
where context[start:end] == Answer (character offsets into the context).

Why it is written this way (the lab's reference handler is the baseline):
- The reference tokenizes question + context once and takes argmax of the
  start and end logits separately. That can return an end before the start,
  a span that runs into the question, and it breaks on any context longer
  than the model's window. Here the context is cut into overlapping windows
  (the SQuAD "doc_stride" scheme) and the best *valid* span over all windows
  is chosen: start <= end, at most MAX_ANSWER_TOKENS long, context tokens
  only.
- Latency: the tokenizer is the Rust `tokenizers` library used directly (no
  transformers pipeline), the model runs under torch.inference_mode, the span
  search is vectorised with numpy, and the thread count matches the vCPUs
  Lambda gives the function. With an exported (int8) ONNX model in the
  model folder (what the image ships) it runs on onnxruntime and imports
  neither torch nor transformers: about 2.5x faster per request than the
  same model in torch, and a cold start of well under a second.
- The file is self-contained (numpy + tokenizers, and torch/transformers or
  onnxruntime for the model) because the container image does not have the
  workshop's `helpers` package; labs/qa_lambda/model.py imports this file so
  notebooks, evaluation and the endpoint share one implementation.
- Every bad request gets a JSON {"message": ...} a person can act on, never a
  stack trace; unexpected failures are logged (CloudWatch) and answered 500.

Environment:
  MODEL_DIR           model + tokenizer folder (default: ./model beside this file)
  QA_BACKEND          auto (default: onnx when MODEL_DIR holds an export, else torch) | torch | onnx
  QA_ONNX_FILE        ONNX file inside MODEL_DIR (default model.int8.onnx, else model.onnx)
  QA_THREADS          intra-op threads (default: the CPUs this process may use, at most 4)
"""
from __future__ import annotations

import base64
import binascii
import json
import math
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Callable

import numpy as np
from tokenizers import Tokenizer

MAX_BODY_BYTES = 100_000  # API Gateway allows 10 MB; a QA context never needs more than this
MAX_QUESTION_CHARS = 1_000
MAX_QUESTION_TOKENS = 64  # longer questions are cut so every window keeps room for context
MAX_ANSWER_TOKENS = 30
DEFAULT_MAX_LENGTH = 256  # overridden by qa_config.json saved with the model
DEFAULT_DOC_STRIDE = 96  # tokens shared by consecutive windows
WINDOW_BATCH = 8  # windows per forward pass, so a 100 KB context cannot exhaust memory
QA_CONFIG = "qa_config.json"
ONNX_FILES = ("model.int8.onnx", "model.onnx")

Runner = Callable[[dict[str, np.ndarray]], tuple[np.ndarray, np.ndarray]]


# --------------------------------------------------------------------------- core (pure)


class Windows:
    """One question + context, tokenized into overlapping windows (numpy arrays, padded).

    context_mask marks the tokens that belong to the context: only they may
    start or end an answer. offsets are character offsets into the context."""

    __slots__ = ("input_ids", "attention_mask", "token_type_ids", "context_mask", "offsets")

    def __init__(self, input_ids, attention_mask, token_type_ids, context_mask, offsets):
        self.input_ids = input_ids
        self.attention_mask = attention_mask
        self.token_type_ids = token_type_ids
        self.context_mask = context_mask
        self.offsets = offsets

    def __len__(self) -> int:
        return len(self.input_ids)

    def features(self, rows: slice = slice(None)) -> dict[str, np.ndarray]:
        return {"input_ids": self.input_ids[rows], "attention_mask": self.attention_mask[rows],
                "token_type_ids": self.token_type_ids[rows]}


def prepare_tokenizer(tokenizer: Tokenizer) -> tuple[Tokenizer, Tokenizer]:
    """Two copies of the tokenizer: one plain (to measure the question), one that
    cuts question + context into windows. Saved tokenizer.json files may carry
    padding/truncation settings (the packaged MiniLM pads to 128); both are reset
    so the windows are exactly what encode_windows asks for."""
    plain = Tokenizer.from_str(tokenizer.to_str())
    plain.no_padding()
    plain.no_truncation()
    pair = Tokenizer.from_str(plain.to_str())
    return plain, pair


def encode_windows(plain: Tokenizer, pair: Tokenizer, question: str, context: str, *,
                   max_length: int = DEFAULT_MAX_LENGTH, doc_stride: int = DEFAULT_DOC_STRIDE,
                   max_question_tokens: int = MAX_QUESTION_TOKENS) -> Windows:
    """Tokenize [CLS] question [SEP] context-window [SEP] for every window of the context.

    The question is cut to max_question_tokens first (the classic SQuAD
    max_query_length), so each window has room for context and the stride is
    always smaller than that room."""
    q = plain.encode(question, add_special_tokens=False)
    if len(q.ids) > max_question_tokens:
        question = question[: q.offsets[max_question_tokens - 1][1]]
        q_len = max_question_tokens
    else:
        q_len = len(q.ids)
    room = max_length - q_len - 3  # [CLS] q [SEP] c [SEP]
    if room < 8:
        raise ValueError(f"max_length {max_length} leaves no room for the context")
    stride = max(0, min(doc_stride, room // 2))
    pair.enable_truncation(max_length, stride=stride, strategy="only_second")
    first = pair.encode(question, context)
    encs = [first, *first.overflowing]
    width = max(len(e.ids) for e in encs)
    n = len(encs)
    ids = np.zeros((n, width), dtype=np.int64)
    mask = np.zeros((n, width), dtype=np.int64)
    types = np.zeros((n, width), dtype=np.int64)
    ctx = np.zeros((n, width), dtype=bool)
    offsets = np.zeros((n, width, 2), dtype=np.int64)
    for row, e in enumerate(encs):
        k = len(e.ids)
        ids[row, :k] = e.ids
        mask[row, :k] = 1
        types[row, :k] = e.type_ids
        ctx[row, :k] = [s == 1 for s in e.sequence_ids]
        offsets[row, :k] = e.offsets
    return Windows(ids, mask, types, ctx, offsets)


def best_span(start_logits: np.ndarray, end_logits: np.ndarray, context_mask: np.ndarray,
              max_answer_tokens: int = MAX_ANSWER_TOKENS) -> tuple[int, int, int, float] | None:
    """(window, start_token, end_token, score) of the best valid span over all windows.

    Within a window spans are ranked by start_logit + end_logit. Across
    windows, each window's best span is measured against its own "not in
    this window" score, the [CLS] start + end logits (the SQuAD 2.0 null
    score): a model trained with answer-less windows raises that score where
    the answer is absent, so a confident-looking span in a window that is
    mostly unrelated text loses to the window that holds the answer.
    Per-window probabilities cannot be compared this way (every window's
    softmax sums to one). With one window the null score is a constant and
    changes nothing. score is the span's probability within its own window
    (softmax over that window's context tokens, start x end). None when the
    context produced no tokens."""
    s = np.where(context_mask, start_logits, -np.inf).astype(np.float32)
    e = np.where(context_mask, end_logits, -np.inf).astype(np.float32)
    n, width = s.shape
    null = (np.asarray(start_logits, dtype=np.float32)[:, 0] + np.asarray(end_logits, dtype=np.float32)[:, 0]
            if n > 1 else np.zeros(1, dtype=np.float32))
    k_max = min(max_answer_tokens, width)
    cand = np.full((n, width, k_max), -np.inf, dtype=np.float32)  # cand[w, i, k]: span i..i+k
    for k in range(k_max):
        cand[:, : width - k, k] = s[:, : width - k] + e[:, k:]
    cand -= null[:, None, None]
    flat = int(np.argmax(cand))
    w, i, k = np.unravel_index(flat, cand.shape)
    if not np.isfinite(cand[w, i, k]):
        return None
    j = i + k
    ls = _logsumexp(s[w])
    le = _logsumexp(e[w])
    score = math.exp(float(s[w, i] - ls + e[w, j] - le))
    return int(w), int(i), int(j), score


def _logsumexp(x: np.ndarray) -> float:
    m = float(np.max(x))
    return m + math.log(float(np.sum(np.exp(x - m))))


class QAModel:
    """Tokenizer + a runner (any callable features -> (start_logits, end_logits)).

    Keeping the runner abstract is what lets torch, ONNX Runtime and the tests'
    fake models share the windowing and span logic."""

    def __init__(self, tokenizer: Tokenizer, runner: Runner, *, max_length: int = DEFAULT_MAX_LENGTH,
                 doc_stride: int = DEFAULT_DOC_STRIDE, max_answer_tokens: int = MAX_ANSWER_TOKENS,
                 backend: str = "custom"):
        self.plain, self.pair = prepare_tokenizer(tokenizer)
        self.runner = runner
        self.max_length = max_length
        self.doc_stride = doc_stride
        self.max_answer_tokens = max_answer_tokens
        self.backend = backend

    @classmethod
    def load(cls, model_dir: str | Path, backend: str = "torch", threads: int | None = None,
             onnx_file: str | None = None) -> "QAModel":
        model_dir = Path(model_dir)
        if not (model_dir / "tokenizer.json").is_file():
            raise FileNotFoundError(f"{model_dir} has no tokenizer.json (save a fast tokenizer with the model)")
        settings = {}
        if (model_dir / QA_CONFIG).is_file():
            settings = json.loads((model_dir / QA_CONFIG).read_text())
        threads = threads or default_threads()
        if backend == "torch":
            runner: Runner = TorchRunner.from_dir(model_dir, threads)
        elif backend == "onnx":
            runner = OnnxRunner(onnx_path(model_dir, onnx_file), threads)
        else:
            raise ValueError(f"unknown backend {backend!r} (torch or onnx)")
        return cls(Tokenizer.from_file(str(model_dir / "tokenizer.json")), runner,
                   max_length=int(settings.get("max_length", DEFAULT_MAX_LENGTH)),
                   doc_stride=int(settings.get("doc_stride", DEFAULT_DOC_STRIDE)), backend=backend)

    def windows(self, question: str, context: str) -> Windows:
        return encode_windows(self.plain, self.pair, question, context,
                              max_length=self.max_length, doc_stride=self.doc_stride)

    def answer(self, question: str, context: str) -> dict[str, Any]:
        """{"answer", "score", "start", "end"}; start/end are character offsets into context."""
        win = self.windows(question, context)
        starts, ends = [], []
        for lo in range(0, len(win), WINDOW_BATCH):
            s, e = self.runner(win.features(slice(lo, lo + WINDOW_BATCH)))
            starts.append(s)
            ends.append(e)
        start_logits = np.concatenate(starts) if len(starts) > 1 else starts[0]
        end_logits = np.concatenate(ends) if len(ends) > 1 else ends[0]
        best = best_span(start_logits, end_logits, win.context_mask, self.max_answer_tokens)
        if best is None:
            return {"answer": "", "score": 0.0, "start": 0, "end": 0}
        w, i, j, score = best
        start, end = int(win.offsets[w, i, 0]), int(win.offsets[w, j, 1])
        return {"answer": context[start:end], "score": score, "start": start, "end": end}


def default_threads() -> int:
    """Threads for one request: the CPUs this process may use (Lambda gives
    about one vCPU per 1,769 MB, so 3 at 5,000 MB), capped at 4 because a
    single short sequence does not scale further."""
    env = os.environ.get("QA_THREADS")
    if env:
        return max(1, int(env))
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 4))


def resolve_backend(model_dir: str | Path, requested: str | None = "auto", onnx_file: str | None = None) -> str:
    """"auto" (the default) picks ONNX Runtime when the model folder holds an
    exported model and onnxruntime is installed, torch otherwise. The image
    ships the int8 export, so Lambda runs the fast path without configuration;
    a folder with only PyTorch weights still works."""
    requested = (requested or "auto").strip().lower()
    if requested in ("torch", "onnx"):
        return requested
    if requested != "auto":
        raise ValueError(f"QA_BACKEND must be auto, torch or onnx, not {requested!r}")
    try:
        onnx_path(Path(model_dir), onnx_file)
        import onnxruntime  # noqa: F401
    except (FileNotFoundError, ImportError):
        return "torch"
    return "onnx"


def onnx_path(model_dir: Path, name: str | None = None) -> Path:
    names = (name,) if name else ONNX_FILES
    for candidate in names:
        if (Path(model_dir) / candidate).is_file():
            return Path(model_dir) / candidate
    raise FileNotFoundError(f"no {' or '.join(names)} in {model_dir}: export it with "
                            "helpers.models.qa.export_onnx(model_dir)")


class TorchRunner:
    """A transformers QA model on the CPU, called without pipeline overhead."""

    def __init__(self, model: Any, threads: int | None = None):
        import inspect

        import torch

        if threads:
            torch.set_num_threads(threads)
        self.torch = torch
        self.model = model.eval()
        accepted = inspect.signature(self.model.forward).parameters
        self.names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in accepted]

    @classmethod
    def from_dir(cls, model_dir: Path, threads: int | None = None) -> "TorchRunner":
        from transformers import AutoModelForQuestionAnswering

        return cls(AutoModelForQuestionAnswering.from_pretrained(str(model_dir)), threads)

    def __call__(self, feats: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        torch = self.torch
        with torch.inference_mode():
            out = self.model(**{n: torch.from_numpy(feats[n]) for n in self.names}, return_dict=True)
        return out.start_logits.float().numpy(), out.end_logits.float().numpy()


class OnnxRunner:
    """An exported model in ONNX Runtime (imports neither torch nor transformers)."""

    def __init__(self, path: Path, threads: int | None = None):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.intra_op_num_threads = threads or default_threads()
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self.names = [i.name for i in self.session.get_inputs()]
        self.path = Path(path)

    def __call__(self, feats: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        start, end = self.session.run(["start_logits", "end_logits"], {n: feats[n] for n in self.names})
        return start, end


# --------------------------------------------------------------------------- HTTP API


class BadRequest(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _reply(status: int, body: dict, headers: dict | None = None) -> dict:
    return {"statusCode": status,
            "headers": {"content-type": "application/json", "cache-control": "no-store", **(headers or {})},
            "body": json.dumps(body)}


def _error(status: int, message: str, headers: dict | None = None) -> dict:
    return _reply(status, {"message": message}, headers)


def parse_request(event: dict) -> tuple[str, str]:
    """(question, context) from a payload 2.0 event, or BadRequest with a message."""
    raw = event.get("body")
    if raw is None or raw == "":
        raise BadRequest(400, 'Send a JSON body: {"question": "...", "context": "..."}.')
    if isinstance(raw, dict):  # a direct invoke (console test event) may pass the object itself
        raw = json.dumps(raw)
    if not isinstance(raw, str):
        raise BadRequest(400, "The request body must be text.")
    if len(raw) > MAX_BODY_BYTES * 4 // 3 + 4:  # before decoding anything
        raise BadRequest(413, f"The request is too large (at most {MAX_BODY_BYTES:,} bytes).")
    if event.get("isBase64Encoded"):
        try:
            data = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise BadRequest(400, "The request body is not valid base64.")
    else:
        data = raw.encode("utf-8", "surrogatepass")
    if len(data) > MAX_BODY_BYTES:
        raise BadRequest(413, f"The request is too large (at most {MAX_BODY_BYTES:,} bytes).")
    try:
        body = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BadRequest(400, 'The request body is not valid JSON: send {"question": "...", "context": "..."}.')
    if not isinstance(body, dict):
        raise BadRequest(400, 'The request body must be a JSON object: {"question": "...", "context": "..."}.')
    fields = {}
    for name in ("question", "context"):
        value = body.get(name)
        if value is None:
            raise BadRequest(400, f'"{name}" is missing.')
        if not isinstance(value, str):
            raise BadRequest(400, f'"{name}" must be a string.')
        if not value.strip():
            raise BadRequest(400, f'"{name}" is empty.')
        fields[name] = value
    if len(fields["question"]) > MAX_QUESTION_CHARS:
        raise BadRequest(400, f'"question" is too long (at most {MAX_QUESTION_CHARS:,} characters).')
    return fields["question"], fields["context"]


_MODEL: QAModel | None = None


def get_model() -> QAModel:
    """The model, loaded once per execution environment (then reused by every warm call).

    A one-token inference right after loading pays the first-call costs
    (allocator, kernel selection) during init instead of on a user's request."""
    global _MODEL
    if _MODEL is None:
        t0 = time.perf_counter()
        model_dir = Path(os.environ.get("MODEL_DIR") or Path(__file__).with_name("model"))
        onnx_file = os.environ.get("QA_ONNX_FILE") or None
        backend = resolve_backend(model_dir, os.environ.get("QA_BACKEND", "auto"), onnx_file)
        model = QAModel.load(model_dir, backend=backend, onnx_file=onnx_file)
        model.answer("Warm up?", "Warm up.")
        _MODEL = model
        print(json.dumps({"model_loaded": str(model_dir), "backend": backend,
                          "seconds": round(time.perf_counter() - t0, 3)}))
    return _MODEL


def _is_warmup(event: dict) -> bool:
    return bool(event.get("warmup")) or event.get("source") == "aws.events"


def handler(event: dict, context: Any = None) -> dict:
    if not isinstance(event, dict):
        return _error(400, "The event must be an API Gateway HTTP API (payload 2.0) request.")
    if _is_warmup(event):  # the keep-warm schedule: load the model, answer nothing
        get_model()
        return {"warm": True}
    http = (event.get("requestContext") or {}).get("http") or {}
    method = str(http.get("method") or "").upper()
    path = str(http.get("path") or event.get("rawPath") or "/")
    if not path.rstrip("/").endswith("/inference"):
        return _error(404, f"No route {method} {path}. Use POST /inference.")
    if method != "POST":
        return _error(405, f"{method or 'This method'} is not allowed on /inference; use POST.", {"allow": "POST"})
    try:
        question, context_text = parse_request(event)
    except BadRequest as exc:
        return _error(exc.status, exc.message)
    try:
        result = get_model().answer(question, context_text)
    except Exception:  # noqa: BLE001 - logged for the operator, never returned to the caller
        traceback.print_exc(file=sys.stdout)
        return _error(500, "The model could not answer this request; the error has been logged.")
    print(json.dumps({"question_chars": len(question), "context_chars": len(context_text),
                      "score": round(result["score"], 4)}))
    return _reply(200, {"Question": question, "Answer": result["answer"], "score": round(result["score"], 6),
                        "start": result["start"], "end": result["end"]})


if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):  # in Lambda: load during init (also what provisioned concurrency pre-runs)
    try:
        get_model()
    except Exception:  # noqa: BLE001 - requests will retry the load and answer 500 with a message
        traceback.print_exc(file=sys.stdout)
