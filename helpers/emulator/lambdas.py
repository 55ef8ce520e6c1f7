"""Lambda runner: `Invoke` really runs the function's handler.

moto stores functions but only runs them through Docker. This stand-in takes
the deployment package moto keeps, unpacks it once per code version, and runs
the handler in a worker process that behaves like a Lambda execution
environment: the first invocation is a cold start (imports the module), later
ones reuse the warm process; the function's environment variables, timeout
and memory size apply; a raised exception comes back as `FunctionError` with
Lambda's error payload; logs go to CloudWatch Logs `/aws/lambda/<name>`.
The handler's own boto3 calls reach this same runtime through
`AWS_ENDPOINT_URL`.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import unquote

from werkzeug.wrappers import Response

from helpers.emulator import moto_backends
from helpers.emulator.gateway import Call, json_error

BOOTSTRAP = Path(__file__).with_name("_bootstrap.py")


@dataclass
class InvokeResult:
    """What Lambda's Invoke API returns, in Python form."""

    status: int
    payload: bytes
    function_error: str | None = None
    log_tail: str = ""
    duration_ms: float = 0.0
    cold_start: bool = False
    max_memory_mb: int = 0

    def json(self):
        return json.loads(self.payload) if self.payload else None


@dataclass
class FunctionSpec:
    """The parts of a function's configuration that shape its environment."""

    name: str
    arn: str
    handler: str
    code_dir: Path
    environment: dict[str, str]
    timeout: float
    memory_mb: int
    max_workers: int
    key: str = ""
    bootstrap: Path = BOOTSTRAP


class Worker:
    """One execution environment: a long-lived process serving invocations."""

    def __init__(self, spec: FunctionSpec, base_env: dict[str, str]) -> None:
        self.spec = spec
        # Lines of the invocation in progress (the worker serves one at a time);
        # the reader thread signals when the END marker of a request arrives.
        self._lines: list[str] = []
        self._log_cv = threading.Condition()
        self._ended: set[str] = set()
        req_r, self._req_w = os.pipe()
        self._res_r, res_w = os.pipe()
        env = dict(base_env)
        env.update(spec.environment)
        env.update(
            AWS_LAMBDA_FUNCTION_NAME=spec.name,
            AWS_LAMBDA_FUNCTION_MEMORY_SIZE=str(spec.memory_mb),
            AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
            AWS_LAMBDA_LOG_GROUP_NAME=f"/aws/lambda/{spec.name}",
            AWS_LAMBDA_LOG_STREAM_NAME=f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}",
            LAMBDA_TASK_ROOT=str(spec.code_dir),
            _HANDLER=spec.handler,
            _FUNCTION_ARN=spec.arn,
        )
        self.log_stream = env["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.proc = subprocess.Popen(
            [sys.executable, "-I", str(spec.bootstrap), str(spec.code_dir), spec.handler, str(req_r), str(res_w)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            pass_fds=(req_r, res_w), env=env, cwd=str(spec.code_dir),
        )
        os.close(req_r)
        os.close(res_w)
        self._results = os.fdopen(self._res_r, "r", buffering=1)
        self._requests = os.fdopen(self._req_w, "w", buffering=1)
        self._reader = threading.Thread(target=self._read_logs, daemon=True)
        self._reader.start()
        self.invocations = 0
        self.busy = False
        self._ready = False

    def _read_logs(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._log_cv:
                if len(self._lines) < 10000:  # a runaway printer cannot eat the memory
                    self._lines.append(line)
                if line.startswith("END RequestId: "):
                    self._ended.add(line[len("END RequestId: "):].strip())
                    self._log_cv.notify_all()
        with self._log_cv:
            self._log_cv.notify_all()

    def _readline(self, deadline: float) -> str | None:
        """Read one result line, or None when the deadline passes or the worker dies."""
        import select

        while True:
            remaining = deadline - time.time()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([self._results], [], [], min(remaining, 0.5))
            if ready:
                line = self._results.readline()
                return line or None
            if self.proc.poll() is not None:
                return None

    def invoke(self, payload: bytes, request_id: str) -> tuple[dict | None, str, bool]:
        """Run one invocation; returns (result message or None on timeout/crash, logs, cold)."""
        cold = not self._ready
        deadline = time.time() + self.spec.timeout
        if cold:
            line = self._readline(deadline)
            if line is None:
                return None, self._take_logs(), cold
            self._ready = True
        msg = {"request_id": request_id, "payload": payload.decode("utf-8") if payload else "", "deadline": deadline}
        try:
            self._requests.write(json.dumps(msg) + "\n")
            self._requests.flush()
        except BrokenPipeError:
            return None, self._take_logs(), cold
        line = self._readline(deadline)
        if line is None:
            time.sleep(0.05)  # let the reader catch the last words of a dying worker
            return None, self._take_logs(), cold
        self._wait_for_end(request_id, 2.0)
        self.invocations += 1
        return json.loads(line), self._take_logs(), cold

    def _wait_for_end(self, request_id: str, timeout: float) -> None:
        end = time.time() + timeout
        with self._log_cv:
            while request_id not in self._ended:
                left = end - time.time()
                if left <= 0 or self.proc.poll() is not None:
                    return
                self._log_cv.wait(left)
            self._ended.discard(request_id)

    def _take_logs(self) -> str:
        """The lines since the last invocation (this one's), and start afresh."""
        with self._log_cv:
            lines, self._lines = self._lines, []
        return "\n".join(lines)

    def max_memory_mb(self) -> int:
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
        except OSError:
            pass
        return 0

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for f in (self._requests, self._results):
            try:
                f.close()
            except OSError:
                pass


class LambdaRunner:
    """Runs functions stored in moto; answers the Lambda `Invoke` API."""

    def __init__(self, state_dir: Path, base_env: Callable[[], dict[str, str]], account_id: str) -> None:
        self.code_root = state_dir / "lambda-code"
        self.code_root.mkdir(parents=True, exist_ok=True)
        self._base_env = base_env
        self.account_id = account_id
        self._pools: dict[str, list[Worker]] = {}
        self._lock = threading.Condition()
        self.images: dict[str, tuple[Path, str]] = {}
        self.log_sink: Callable[[str, str, str], None] | None = None
        self.history: deque[dict] = deque(maxlen=10000)

    # -- images --------------------------------------------------------------
    def register_image(self, image_uri: str, code_dir: Path, handler: str) -> None:
        """Tell the runner where a container image's code lives locally.

        There is no Docker engine offline, so a `PackageType: Image` function
        runs from the directory its Dockerfile copies into the image.
        """
        self.images[image_uri] = (Path(code_dir), handler)

    # -- function lookup -----------------------------------------------------
    def _backend(self, region: str):
        return moto_backends.lambda_(self.account_id, region)

    def spec_for(self, name: str, region: str, qualifier: str | None = None) -> FunctionSpec:
        fn = self._backend(region).get_function(name, qualifier)
        if fn.package_type == "Image":
            uri = fn.code.get("ImageUri", "")
            if uri not in self.images:
                raise LookupError(
                    f"Function {fn.function_name} is a container image ({uri}); offline there is no "
                    "Docker engine, so register the image's code directory with "
                    "runtime.lambdas.register_image(uri, code_dir, handler) first."
                )
            code_dir, handler = self.images[uri]
            code_key = hashlib.sha256(str(code_dir).encode()).hexdigest()
        else:
            code_key = fn.code_sha_256
            code_dir = self._unpack(fn.code_bytes, code_key)
            handler = fn.handler
        env = {str(k): str(v) for k, v in (fn.environment_vars or {}).items()}
        config = json.dumps([handler, env, fn.timeout, fn.memory_size, code_key], sort_keys=True)
        return FunctionSpec(
            name=fn.function_name, arn=fn.function_arn, handler=handler, code_dir=code_dir,
            environment=env, timeout=float(fn.timeout or 3), memory_mb=int(fn.memory_size or 128),
            max_workers=int(fn.reserved_concurrency or 4),
            key=f"{fn.function_arn}:{hashlib.sha256(config.encode()).hexdigest()[:16]}",
        )

    def _unpack(self, code_bytes: bytes, code_key: str) -> Path:
        target = self.code_root / code_key.replace("/", "_").replace("+", "-")[:40]
        if not (target / ".unpacked").exists():
            tmp = target.with_suffix(".tmp" + uuid.uuid4().hex[:6])
            with zipfile.ZipFile(io.BytesIO(code_bytes)) as zf:
                zf.extractall(tmp)
            try:
                tmp.rename(target)
            except OSError:  # another thread won the race
                import shutil

                shutil.rmtree(tmp, ignore_errors=True)
            (target / ".unpacked").touch()
        return target

    # -- pool ----------------------------------------------------------------
    def _acquire(self, spec: FunctionSpec) -> Worker:
        with self._lock:
            # retire environments of older code/config versions of this function
            prefix = spec.arn + ":"
            for key in [k for k in self._pools if k.startswith(prefix) and k != spec.key]:
                for w in self._pools.pop(key):
                    if not w.busy:
                        w.stop()
            pool = self._pools.setdefault(spec.key, [])
            while True:
                for w in pool:
                    if not w.busy and w.proc.poll() is None:
                        w.busy = True
                        return w
                pool[:] = [w for w in pool if w.proc.poll() is None or w.busy]
                if len(pool) < spec.max_workers:
                    w = Worker(spec, self._base_env())
                    w.busy = True
                    pool.append(w)
                    return w
                self._lock.wait(0.5)

    def _release(self, spec: FunctionSpec, worker: Worker, discard: bool) -> None:
        with self._lock:
            worker.busy = False
            if getattr(worker, "retired", False):  # its function was deleted mid-invoke
                worker.stop()
            elif discard:
                worker.stop()
                pool = self._pools.get(spec.key, [])
                if worker in pool:
                    pool.remove(worker)
            self._lock.notify_all()

    def invoke(self, name: str, payload: bytes, region: str, qualifier: str | None = None) -> InvokeResult:
        """Invoke synchronously (RequestResponse), the way Lambda does."""
        spec = self.spec_for(name, region, qualifier)
        request_id = str(uuid.uuid4())
        worker = self._acquire(spec)
        started = time.time()
        discard = False
        try:
            msg, logs, cold = worker.invoke(payload, request_id)
            duration = (time.time() - started) * 1000
            mem = worker.max_memory_mb()
            if msg is None:
                discard = True
                if worker.proc.poll() is None:
                    err = {"errorType": "Sandbox.Timedout",
                           "errorMessage": f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {request_id} Task timed out after {spec.timeout:.2f} seconds"}
                else:
                    err = {"errorType": "Runtime.ExitError",
                           "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: exit status {worker.proc.returncode}"}
                result = InvokeResult(200, json.dumps(err).encode(), "Unhandled", logs, duration, cold, mem)
            elif mem > spec.memory_mb:
                discard = True
                err = {"errorType": "Runtime.OutOfMemory",
                       "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: signal: killed (used {mem} MB of {spec.memory_mb} MB)"}
                result = InvokeResult(200, json.dumps(err).encode(), "Unhandled", logs, duration, cold, mem)
            elif "error" in msg:
                result = InvokeResult(200, json.dumps(msg["error"]).encode(), "Unhandled", logs, duration, cold, mem)
            else:
                result = InvokeResult(200, msg["result"].encode(), None, logs, duration, cold, mem)
            init = " Init Duration: cold" if cold else ""
            report = (f"REPORT RequestId: {request_id}\tDuration: {duration:.2f} ms\t"
                      f"Memory Size: {spec.memory_mb} MB\tMax Memory Used: {mem} MB{init}")
            result.log_tail = (logs + "\n" + report).strip()
            self.history.append({"function": spec.name, "request_id": request_id, "cold": cold,
                                 "duration_ms": duration, "error": result.function_error is not None,
                                 "time": started})
            if self.log_sink is not None:
                try:
                    self.log_sink(spec.name, worker.log_stream, result.log_tail)
                except Exception:  # noqa: BLE001 - logging must never fail an invocation
                    pass
            return result
        finally:
            self._release(spec, worker, discard)

    def stop_all(self) -> None:
        with self._lock:
            for pool in self._pools.values():
                for w in pool:
                    w.stop()
            self._pools.clear()

    def retire(self, name: str) -> int:
        """Stop the execution environments of a deleted function (Lambda frees them too).

        Idle workers stop now; a busy one finishes its invoke and stops then.
        Returns how many were retired."""
        if name.startswith("arn:"):
            name = name.split(":function:", 1)[-1].split(":", 1)[0]
        retired = 0
        with self._lock:
            for key in [k for k in self._pools if f":function:{name}:" in k]:
                for w in self._pools.pop(key):
                    retired += 1
                    if w.busy:
                        w.retired = True
                    else:
                        w.stop()
        return retired

    def warm_workers(self, name: str | None = None) -> int:
        """How many execution environments are alive (for a function, or all)."""
        with self._lock:
            return sum(
                1 for key, pool in self._pools.items() for w in pool
                if w.proc.poll() is None and (name is None or f":function:{name}:" in key + ":")
            )

    # -- the Lambda API --------------------------------------------------------
    def routes(self) -> dict:
        return {("lambda", "Invoke"): self.invoke_call, ("lambda", "DeleteFunction"): self.delete_function_call}

    def delete_function_call(self, call: Call, forward) -> Response:
        """DeleteFunction: moto forgets the function, then its workers go (not for one version)."""
        response = forward(call)
        if response.status_code < 300 and not call.query.get("Qualifier"):
            self.retire(unquote(call.path_params["FunctionName"]))
        return response

    def invoke_call(self, call: Call, forward) -> Response:
        name = unquote(call.path_params["FunctionName"])
        qualifier = call.query.get("Qualifier")
        invocation_type = call.headers.get("x-amz-invocation-type", "RequestResponse")
        try:
            spec_check = self.spec_for(name, call.region, qualifier)  # existence + package check
        except LookupError as exc:
            return json_error(400, "InvalidParameterValueException", str(exc))
        except Exception as exc:  # noqa: BLE001 - moto's "function not found"
            if type(exc).__name__ in ("UnknownFunctionException", "ResourceNotFoundException", "FunctionNotFound"):
                return json_error(404, "ResourceNotFoundException", f"Function not found: {name}")
            raise
        del spec_check
        if invocation_type == "DryRun":
            return Response(status=204)
        if invocation_type == "Event":
            threading.Thread(target=self.invoke, args=(name, call.body, call.region, qualifier), daemon=True).start()
            resp = Response(status=202)
            resp.headers["x-amzn-RequestId"] = str(uuid.uuid4())
            return resp
        result = self.invoke(name, call.body, call.region, qualifier)
        resp = Response(result.payload, status=result.status, mimetype="application/json")
        resp.headers["X-Amz-Executed-Version"] = "$LATEST"
        if result.function_error:
            resp.headers["X-Amz-Function-Error"] = result.function_error
        if call.headers.get("x-amz-log-type") == "Tail":
            resp.headers["X-Amz-Log-Result"] = base64.b64encode(result.log_tail.encode()[-4096:]).decode()
        return resp
