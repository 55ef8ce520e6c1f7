"""Inside one Lambda execution environment (a worker process).

Started by the Lambda runner with the function's code directory on sys.path
and its environment variables set. Like the real Python runtime it imports
the handler once (the cold start), then serves invocations one at a time:
requests arrive as JSON lines on one inherited pipe, results leave on another,
and everything the handler prints goes to the log stream (stderr).

Kept free of project imports: it runs with only the function's own code.
"""
from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback


class Context:
    """The subset of the Lambda context object handlers use."""

    def __init__(self, request_id: str, deadline: float) -> None:
        self.aws_request_id = request_id
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = os.environ.get("_FUNCTION_ARN", "")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.time()) * 1000))


def _error(exc: BaseException, error_type: str | None = None) -> dict:
    tb = traceback.extract_tb(exc.__traceback__)
    tb = [frame for frame in tb if not frame.filename.endswith("_bootstrap.py")]
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "requestId": "",
        "stackTrace": traceback.format_list(tb),
    }


def main() -> None:
    code_dir, handler_spec = sys.argv[1], sys.argv[2]
    sys.path.insert(0, code_dir)
    os.chdir(code_dir)
    requests = os.fdopen(int(sys.argv[3]), "r", buffering=1)
    results = os.fdopen(int(sys.argv[4]), "w", buffering=1)
    sys.stdout = sys.stderr  # print() lands in the log stream, as on Lambda

    init_error = None
    handler = None
    try:
        module_name, func_name = handler_spec.rsplit(".", 1)
        module = importlib.import_module(module_name.replace("/", "."))
        handler = getattr(module, func_name)
    except Exception as exc:  # noqa: BLE001 - reported to the caller like Lambda's Runtime.ImportModuleError
        init_error = _error(exc, "Runtime.ImportModuleError" if isinstance(exc, ImportError) else "Runtime.HandlerNotFound" if isinstance(exc, AttributeError) else None)
    results.write(json.dumps({"ready": True}) + "\n")

    for line in requests:
        msg = json.loads(line)
        rid = msg["request_id"]
        print(f"START RequestId: {rid} Version: $LATEST", file=sys.stderr, flush=True)
        started = time.time()
        if init_error is not None:
            out = {"error": init_error}
        else:
            try:
                event = json.loads(msg["payload"]) if msg["payload"] else {}
                value = handler(event, Context(rid, msg["deadline"]))
                out = {"result": json.dumps(value)}
            except Exception as exc:  # noqa: BLE001 - every handler error goes back as FunctionError
                err = _error(exc)
                err["requestId"] = rid
                print(f"[ERROR] {err['errorType']}: {err['errorMessage']}", file=sys.stderr)
                print("".join(traceback.format_exception(exc)), file=sys.stderr)
                out = {"error": err}
        elapsed_ms = (time.time() - started) * 1000
        print(f"END RequestId: {rid}", file=sys.stderr, flush=True)
        out["duration_ms"] = elapsed_ms
        results.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
