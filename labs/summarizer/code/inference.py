"""Serve the review -> title summarizer (SageMaker Hugging Face inference toolkit).

The toolkit imports this file from model.tar.gz's `code/` folder and calls
`model_fn` once, then `input_fn` -> `predict_fn` -> `output_fn` per request.

Request (application/json):

    {"inputs": "a review" | ["review", ...],
     "parameters": {"num_beams": 4}                      # optional, one set
     "parameters_list": [{"length_penalty": 2.0}, ...]}  # optional, one run per set

Response: a list of titles, one per input; with `parameters_list`, a list
of such lists, one per parameter set (the reference lab's demo compares
length penalties this way).

Every request is checked before the model runs, because an endpoint is a
public surface: a bad request raises `BadRequest` (a ValueError) with an
HTTP status and a one-sentence message. The Hugging Face toolkit answers any
exception from these functions with a 4xx carrying str(exception), never a
stack trace; a runtime that reads `.status` can be more precise (413, 415).
Limits keep one request from tying up a CPU instance: 16 inputs of at most
5,000 characters, 8 parameter sets, and bounded generation settings.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Callable, NamedTuple

MAX_INPUTS = 16
MAX_CHARS = 5_000
MAX_PARAMETER_SETS = 8
JSON = "application/json"


class BadRequest(ValueError):
    """A request the endpoint refuses, with the HTTP status to answer it with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Summarizer(NamedTuple):
    """What model_fn returns and predict_fn receives."""

    model: Any
    tokenizer: Any
    max_source: int


# --------------------------------------------------------------------------- generation parameters


def _integer(low: int, high: int) -> Callable[[str, Any], int]:
    def check(name: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadRequest(f"{name!r} must be an integer, got {value!r}")
        if not low <= value <= high:
            raise BadRequest(f"{name!r} must be between {low} and {high}, got {value}")
        return value
    return check


def _number(low: float, high: float, *, low_open: bool = False) -> Callable[[str, Any], float]:
    def check(name: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise BadRequest(f"{name!r} must be a number, got {value!r}")
        if value > high or value < low or (low_open and value == low):
            bound = f"greater than {low}" if low_open else f"at least {low}"
            raise BadRequest(f"{name!r} must be {bound} and at most {high}, got {value}")
        return float(value)
    return check


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise BadRequest(f"{name!r} must be true or false, got {value!r}")
    return value


def _early_stopping(name: str, value: Any) -> bool | str:
    if value == "never" or isinstance(value, bool):
        return value
    raise BadRequest(f"{name!r} must be true, false or \"never\", got {value!r}")


# The allow-list: anything else (e.g. output_scores, a huge max_length) is refused.
PARAMETERS: dict[str, Callable[[str, Any], Any]] = {
    "max_length": _integer(1, 128),
    "max_new_tokens": _integer(1, 128),
    "min_length": _integer(0, 128),
    "length_penalty": _number(-5.0, 5.0),
    "num_beams": _integer(1, 8),
    "no_repeat_ngram_size": _integer(0, 10),
    "early_stopping": _early_stopping,
    "do_sample": _flag,
    "temperature": _number(0.0, 10.0, low_open=True),
    "top_k": _integer(0, 1000),
    "top_p": _number(0.0, 1.0, low_open=True),
    "repetition_penalty": _number(0.0, 10.0, low_open=True),
}


def check_parameters(parameters: Any, where: str = "parameters") -> dict[str, Any]:
    """One generation-parameter set, checked against the allow-list and ranges."""
    if not isinstance(parameters, dict):
        raise BadRequest(f"{where} must be a JSON object of generation parameters")
    unknown = sorted(set(parameters) - set(PARAMETERS))
    if unknown:
        raise BadRequest(f"{where}: unknown generation parameter(s) {', '.join(map(repr, unknown))}; "
                         f"allowed: {', '.join(sorted(PARAMETERS))}")
    checked = {}
    for name, value in parameters.items():
        try:
            checked[name] = PARAMETERS[name](name, value)
        except BadRequest as exc:
            raise BadRequest(f"{where}: {exc}", exc.status) from None
    low, high = checked.get("min_length"), checked.get("max_length")
    if low is not None and high is not None and low > high:
        raise BadRequest(f"{where}: min_length ({low}) is greater than max_length ({high})")
    return checked


def check_request(data: Any) -> tuple[list[str], bool, list[dict[str, Any]] | None]:
    """(texts, whether inputs was one string, parameter sets or None for a single run)."""
    if not isinstance(data, dict):
        raise BadRequest("the request body must be a JSON object with an 'inputs' field")
    unknown = sorted(set(data) - {"inputs", "parameters", "parameters_list"})
    if unknown:
        raise BadRequest(f"unknown field(s) {', '.join(map(repr, unknown))}; "
                         "expected 'inputs' and optionally 'parameters' or 'parameters_list'")
    if "inputs" not in data:
        raise BadRequest("the request has no 'inputs' field: send {\"inputs\": \"a review\"}")
    inputs = data["inputs"]
    single = isinstance(inputs, str)
    texts = [inputs] if single else inputs
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise BadRequest("'inputs' must be a string or a list of strings")
    if not texts or not all(t.strip() for t in texts):
        raise BadRequest("'inputs' must not be empty, and no input may be blank")
    if len(texts) > MAX_INPUTS:
        raise BadRequest(f"at most {MAX_INPUTS} inputs per request, got {len(texts)}", status=413)
    for i, text in enumerate(texts):
        if len(text) > MAX_CHARS:
            raise BadRequest(f"input {i} has {len(text)} characters; the limit is {MAX_CHARS}", status=413)

    if "parameters" in data and "parameters_list" in data:
        raise BadRequest("send either 'parameters' or 'parameters_list', not both")
    if "parameters_list" in data:
        sets = data["parameters_list"]
        if not isinstance(sets, list) or not sets:
            raise BadRequest("'parameters_list' must be a non-empty list of parameter objects")
        if len(sets) > MAX_PARAMETER_SETS:
            raise BadRequest(f"at most {MAX_PARAMETER_SETS} parameter sets per request, got {len(sets)}",
                             status=413)
        return texts, single, [check_parameters(p, f"parameters_list[{i}]") for i, p in enumerate(sets)]
    parameters = check_parameters(data.get("parameters") or {}, "parameters")
    return texts, single, [parameters] if parameters else None


# --------------------------------------------------------------------------- the toolkit's four functions


def model_fn(model_dir: str) -> Summarizer:
    """Load the model and tokenizer once per worker; the saved generation config gives the defaults."""
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    torch.set_grad_enabled(False)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSeq2SeqLM.from_pretrained(model_dir).eval()
    settings_file = Path(model_dir) / "summarizer.json"
    settings = json.loads(settings_file.read_text()) if settings_file.exists() else {}
    max_source = int(settings.get("max_source") or min(tokenizer.model_max_length, 512))
    return Summarizer(model, tokenizer, max_source)


def input_fn(body: str | bytes | bytearray, content_type: str | None) -> Any:
    """Parse a JSON body; other content types are refused with 415."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type != JSON:
        raise BadRequest(f"content type {content_type!r} is not supported; send {JSON}", status=415)
    if isinstance(body, (bytes, bytearray)):
        try:
            body = bytes(body).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadRequest("the request body is not UTF-8 text") from exc
    try:
        return json.loads(body)
    except (json.JSONDecodeError, TypeError) as exc:
        raise BadRequest(f"the request body is not valid JSON ({exc})") from exc


def summarize(summarizer: Summarizer, texts: list[str], parameters: dict[str, Any] | None = None) -> list[str]:
    """Titles for texts in one generate() call (parameters already checked)."""
    import torch

    model, tokenizer = summarizer.model, summarizer.tokenizer
    batch = tokenizer(texts, max_length=summarizer.max_source, truncation=True, padding=True,
                      return_tensors="pt")
    with torch.inference_mode():
        ids = model.generate(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                             **(parameters or {}))
    return [s.strip() for s in tokenizer.batch_decode(ids, skip_special_tokens=True)]


def predict_fn(data: Any, summarizer: Summarizer) -> list[str] | list[list[str]]:
    """One list of titles; or, with parameters_list, one list per parameter set."""
    texts, _single, sets = check_request(data)
    if data.get("parameters_list") is not None:
        return [summarize(summarizer, texts, parameters) for parameters in sets or []]
    return summarize(summarizer, texts, sets[0] if sets else None)


def output_fn(prediction: Any, accept: str | None) -> str:
    """JSON out (the only representation offered; anything else is 406)."""
    media_type = (accept or JSON).split(";")[0].strip().lower()
    if media_type not in (JSON, "*/*", "application/*"):
        raise BadRequest(f"accept type {accept!r} is not supported; ask for {JSON}", status=406)
    return json.dumps(prediction)
