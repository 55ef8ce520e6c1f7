"""Inside one SageMaker endpoint container (a worker process).

Follows the SageMaker inference-toolkit contract: at start-up `model_fn`
loads the model once; each request then goes through `input_fn`,
`predict_fn` and `output_fn` (each optional, with the toolkit's JSON
defaults). Without an inference script, `HF_TASK` serves a transformers
pipeline, as the Hugging Face container does. Requests arrive as JSON lines
on one inherited pipe, results leave on another; prints go to the log.
Kept free of project imports.
"""
from __future__ import annotations

import base64
import importlib.util
import json
import os
import sys
import time
import traceback


def _load_script(path: str | None):
    if not path:
        return None
    spec = importlib.util.spec_from_file_location("inference", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, os.path.dirname(path))
    spec.loader.exec_module(module)
    return module


def _default_model_fn(model_dir: str):
    task = os.environ.get("HF_TASK")
    if not task:
        raise RuntimeError("no inference script (code/inference.py) and no HF_TASK: nothing to serve")
    from transformers import pipeline

    return pipeline(task, model=model_dir, tokenizer=model_dir, device=-1)


def _default_input_fn(body: bytes, content_type: str):
    if content_type.split(";")[0].strip() != "application/json":
        err = ValueError(f"unsupported content type {content_type!r}; send application/json")
        err.status = 415  # type: ignore[attr-defined]
        raise err
    return json.loads(body)


def _default_predict_fn(data, model):
    inputs = data.pop("inputs", data) if isinstance(data, dict) else data
    params = data.get("parameters", {}) if isinstance(data, dict) else {}
    return model(inputs, **params)


def _default_output_fn(prediction, accept: str):
    return json.dumps(prediction), "application/json"


def main() -> None:
    model_dir, script = sys.argv[1], (sys.argv[2] if sys.argv[2] != "-" else None)
    requests = os.fdopen(int(sys.argv[3]), "r", buffering=1)
    results = os.fdopen(int(sys.argv[4]), "w", buffering=1)
    sys.stdout = sys.stderr
    init_error = None
    model = None
    try:
        module = _load_script(script)
        model_fn = getattr(module, "model_fn", None) or _default_model_fn
        input_fn = getattr(module, "input_fn", None) or _default_input_fn
        predict_fn = getattr(module, "predict_fn", None) or _default_predict_fn
        output_fn = getattr(module, "output_fn", None) or _default_output_fn
        started = time.time()
        model = model_fn(model_dir)
        print(f"model loaded in {time.time() - started:.2f} s", flush=True)
    except Exception as exc:  # noqa: BLE001 - reported as the endpoint's failure reason
        init_error = {"errorType": type(exc).__name__, "errorMessage": str(exc), "status": 500,
                      "stackTrace": traceback.format_exception(exc)[-6:]}
        print("".join(traceback.format_exception(exc)), flush=True)
    results.write(json.dumps({"ready": init_error is None, "error": init_error}) + "\n")

    for line in requests:
        msg = json.loads(line)
        rid = msg["request_id"]
        print(f"START RequestId: {rid}", flush=True)
        if init_error is not None:
            out = {"error": init_error}
        else:
            try:
                req = json.loads(msg["payload"])
                body = base64.b64decode(req["body"])
                data = input_fn(body, req.get("content_type") or "application/json")
                prediction = predict_fn(data, model)
                answer = output_fn(prediction, req.get("accept") or "application/json")
                if isinstance(answer, tuple):
                    payload, ctype = answer
                else:
                    payload, ctype = answer, req.get("accept") or "application/json"
                if isinstance(payload, str):
                    payload = payload.encode()
                out = {"result": json.dumps({"body": base64.b64encode(payload).decode(), "content_type": ctype})}
            except Exception as exc:  # noqa: BLE001 - 4xx for bad requests, 500 for the rest
                status = int(getattr(exc, "status", 0) or getattr(exc, "status_code", 0) or 0)
                if not status:
                    status = 400 if isinstance(exc, (ValueError, KeyError, TypeError)) else 500
                out = {"error": {"errorType": type(exc).__name__, "errorMessage": str(exc), "status": status}}
                if status >= 500:
                    print("".join(traceback.format_exception(exc)), flush=True)
        print(f"END RequestId: {rid}", flush=True)
        results.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
