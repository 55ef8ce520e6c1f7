"""The embedded AWS runtime for local mode.

moto, in-process on a free loopback port, is the control plane; a handful of
stand-ins (see the modules of this package) add the data planes the labs
need, each behind the real service's API. Start it with `start()`; starting
it again in the same process returns the running one. The package imports
nothing else of the project: what to create in a fresh account (`seed`),
where identical training jobs reuse their result (`job_cache_dir`) and how a
reward function is checked (`reward_validator`) are passed in. (The
DeepRacer on AWS stand-in reads the kit's record of that API's model,
helpers/deepracer_on_aws/operations.json, as a data file.)

Adding a stand-in: one module plus one routing entry.

1. Write `helpers/emulator/<name>.py` with a class whose `routes()` returns
   `{(botocore service name, operation name): handler}`, e.g.
   `{("lambda", "Invoke"): self.invoke_call}`; a handler is
   `handler(call, forward) -> Response`, where `call` is the decoded request
   (`gateway.Call`: region, operation, path parameters, body...) and
   `forward(call)` returns moto's answer (ask moto first when it should keep
   the record, then do the work it does not). For URLs that are not AWS APIs
   route a `gateway.PathPrefix(...)`. Something that only observes answers
   returns `{(service, operation): hook}` from `response_hooks()` instead;
   `hook(call, response)` runs after the call was answered. Reach moto's
   state only through `moto_backends` (add an accessor there).
2. Create it in `EmbeddedRuntime.start()` and pass it to `Gateway(...)` in
   the `standins` tuple (the gateway builds its routing table from them;
   two stand-ins routing one operation is an error). Calls nobody routes go
   straight to moto. `tests/emulator/test_routing.py` checks that every
   routed operation exists in botocore's model of its service.
"""
from __future__ import annotations

import atexit
import os
import socket
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from helpers.emulator import moto_backends
from helpers.emulator.cognito import CognitoStandIn
from helpers.emulator.deepracer_on_aws import DeepRacerOnAwsStandIn
from helpers.emulator.events import CloudTrailEvents
from helpers.emulator.faults import FaultInjector
from helpers.emulator.gateway import Gateway
from helpers.emulator.httpapi import HttpApiStandIn
from helpers.emulator.lambdas import LambdaRunner
from helpers.emulator.mail import MailStandIn, Outbox
from helpers.emulator.sagemaker import SageMakerStandIn
from helpers.emulator.streams import StreamPoller

ACCOUNT_ID = "123456789012"
ACCESS_KEY = "AKIAWORKSHOPLOCAL000"
SECRET_KEY = "local-mode-secret-not-a-real-credential"

_lock = threading.Lock()
_current: "EmbeddedRuntime | None" = None


@dataclass
class EmbeddedRuntime:
    region: str = "us-east-1"
    state_dir: Path | None = None
    # called with the runtime after it started and after every reset(): what a fresh account needs
    seed: "Callable[[EmbeddedRuntime], None] | None" = None
    # where identical training jobs keep and reuse their result; None: every job trains
    job_cache_dir: Path | None = None
    # checks a reward function (DeepRacer on AWS's TestRewardFunction): source -> problems, [] when valid
    reward_validator: "Callable[[str], list[str]] | None" = None
    host: str = "127.0.0.1"
    port: int = 0

    def __post_init__(self) -> None:
        # A runtime that made its own temporary folder removes it when it stops.
        self._owns_state_dir = self.state_dir is None
        if self.state_dir is None:
            self.state_dir = Path(tempfile.mkdtemp(prefix="workshop-runtime-"))
        self.state_dir = Path(self.state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        if self.job_cache_dir is not None:
            self.job_cache_dir = Path(self.job_cache_dir)
        self._server = None
        self._thread: threading.Thread | None = None
        self._saved_env: dict[str, str | None] = {}

    # -- lifecycle --------------------------------------------------------------
    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> "EmbeddedRuntime":
        os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
        os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "true")
        from werkzeug.serving import make_server

        moto_backends.speed_up()
        if not self.port:
            self.port = _free_port(self.host)
        self.faults = FaultInjector()
        self.outbox = Outbox(self.state_dir / "outbox")
        self.outbox.clear()  # moto starts empty, so the mail it "sent" before is gone too
        self.lambdas = LambdaRunner(self.state_dir, self._function_env, self.account_id)
        self.streams = StreamPoller(self.account_id, self.lambdas.invoke, self._send_sqs)
        self.http_apis = HttpApiStandIn(self.account_id, self.lambdas, self.endpoint_url, self.region)
        self.sagemaker = SageMakerStandIn(self)
        # CloudTrail -> EventBridge: response hooks after SageMaker Create* calls were answered
        self.events = CloudTrailEvents(self)
        # Cognito where moto stops short, and the DeepRacer on AWS solution that stands on it
        self.cognito = CognitoStandIn(self.account_id, self.outbox)
        self.deepracer = DeepRacerOnAwsStandIn(self)
        self.gateway = Gateway(
            moto_backends.wsgi_app(),
            standins=(self.http_apis, self.lambdas, self.streams, MailStandIn(self.outbox), self.sagemaker,
                      self.events, self.cognito, self.deepracer),
            before=(self.faults,),
        )
        MotoRequestHandler = moto_backends.request_handler()

        class Quiet(MotoRequestHandler):
            def log_request(self, *args, **kwargs) -> None:  # one line per call drowns notebooks
                pass

        self._server = make_server(self.host, self.port, self.gateway, threaded=True, request_handler=Quiet)
        self._log_streams: set[tuple[str, str]] = set()
        self._thread = threading.Thread(target=self._server.serve_forever, name="embedded-aws", daemon=True)
        self._thread.start()
        self._export_env()
        import queue

        self._log_queue: queue.Queue = queue.Queue()
        self._log_thread = threading.Thread(target=self._log_writer, name="lambda-logs", daemon=True)
        self._log_thread.start()
        self.lambdas.log_sink = self._queue_logs
        self._seed()
        return self

    def stop(self) -> None:
        """Stop pollers, workers and the server; restore the environment."""
        global _current
        if self._server is None:
            return
        self.streams.stop_all()
        self.lambdas.stop_all()
        self.sagemaker.stop_all()
        self._log_queue.put(None)
        self._log_thread.join(timeout=5)
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None
        if self._owns_state_dir:
            import shutil

            shutil.rmtree(self.state_dir, ignore_errors=True)
        self._restore_env()
        with _lock:
            if _current is self:
                _current = None

    def reset(self) -> None:
        """Forget every resource (moto's backends), the outbox and any faults."""
        import requests

        self.streams.stop_all()
        self.lambdas.stop_all()
        self.faults.clear()
        self.outbox.clear()
        self.cognito.reset()
        self.deepracer.reset()
        self._log_streams.clear()
        requests.post(f"{self.endpoint_url}/moto-api/reset", timeout=30)
        self._seed()

    # -- environment ------------------------------------------------------------
    def client_config(self) -> dict[str, str]:
        """What a boto3 client (or resource) needs to reach this runtime explicitly:
        `boto3.client("s3", **rt.client_config())`."""
        return {"endpoint_url": self.endpoint_url, "aws_access_key_id": ACCESS_KEY,
                "aws_secret_access_key": SECRET_KEY, "region_name": self.region}

    def _export_env(self) -> None:
        """The one place the runtime writes `os.environ` (restored by stop()).

        For the SDKs that cannot be given an endpoint (the SageMaker SDK,
        awswrangler) and for code that creates plain boto3 clients: endpoint,
        credentials and region of this runtime; the SageMaker SDK also builds
        its own regional STS endpoint (AWS_ENDPOINT_URL_STS) and checks roles
        and sends telemetry unless told not to."""
        values = {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ENDPOINT_URL_STS": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            "SAGEMAKER_VALIDATE_ROLE": "false",
            "SAGEMAKER_TELEMETRY_OPT_OUT": "true",
        }
        for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            self._saved_env.setdefault(k, os.environ.get(k))
            os.environ.pop(k, None)
        for k, v in values.items():
            self._saved_env.setdefault(k, os.environ.get(k))
            os.environ[k] = v

    def _restore_env(self) -> None:
        for k, v in self._saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        self._saved_env.clear()

    def _function_env(self) -> dict[str, str]:
        """The environment every Lambda worker starts from (before its own variables)."""
        keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                "OMP_NUM_THREADS", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
        env = {k: os.environ[k] for k in keep if k in os.environ}
        cfg = self.client_config()
        env.update(
            AWS_ENDPOINT_URL=cfg["endpoint_url"],
            AWS_ACCESS_KEY_ID=cfg["aws_access_key_id"],
            AWS_SECRET_ACCESS_KEY=cfg["aws_secret_access_key"],
            AWS_SESSION_TOKEN="local",
            AWS_REGION=self.region,
            AWS_DEFAULT_REGION=self.region,
            AWS_EXECUTION_ENV="AWS_Lambda_python3.13",
            PYTHONUNBUFFERED="1",
            PYTHONDONTWRITEBYTECODE="1",
        )
        return env

    # -- plumbing used by stand-ins ---------------------------------------------
    def client(self, service: str, region: str | None = None):
        import boto3

        return boto3.client(service, **{**self.client_config(), "region_name": region or self.region})

    def _send_sqs(self, queue_arn: str, body: str, region: str) -> None:
        name = queue_arn.rsplit(":", 1)[-1]
        sqs = self.client("sqs", region)
        url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=queue_arn.split(":")[4])["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=body)

    account_id = ACCOUNT_ID

    def _queue_logs(self, function: str, stream: str, text: str) -> None:
        """Called after every invocation: hand the lines to the background writer."""
        self._log_queue.put((f"/aws/lambda/{function}", stream, text))

    def _queue_logs_group(self, group: str, stream: str, text: str) -> None:
        self._log_queue.put((group, stream, text))

    def _log_writer(self) -> None:
        """Write queued Lambda logs to CloudWatch Logs in batches, off the invoke path."""
        import queue

        while True:
            item = self._log_queue.get()
            if item is None:
                return
            batch = [item]
            try:
                while len(batch) < 500:
                    nxt = self._log_queue.get_nowait()
                    if nxt is None:
                        self._log_queue.put(None)
                        break
                    batch.append(nxt)
            except queue.Empty:
                pass
            grouped: dict[tuple[str, str], list[str]] = {}
            for group, stream, text in batch:
                grouped.setdefault((group, stream), []).append(text)
            for (group, stream), texts in grouped.items():
                try:
                    self._write_logs(group, stream, "\n".join(texts))
                except Exception:  # noqa: BLE001 - losing a log line must not stop the writer
                    pass

    def _write_logs(self, group: str, stream: str, text: str) -> None:
        logs = self._logs_client()
        if (group, stream) not in self._log_streams:
            for create in (lambda: logs.create_log_group(logGroupName=group),
                           lambda: logs.create_log_stream(logGroupName=group, logStreamName=stream)):
                try:
                    create()
                except logs.exceptions.ResourceAlreadyExistsException:
                    pass
            self._log_streams.add((group, stream))
        now = int(time.time() * 1000)
        events = [{"timestamp": now, "message": line} for line in text.splitlines() if line]
        if events:
            logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)

    def _logs_client(self):
        if getattr(self, "_logs", None) is None:
            self._logs = self.client("logs")
        return self._logs

    def _seed(self) -> None:
        """What the caller said a fresh account needs (idempotent), if anything."""
        if self.seed is not None:
            self.seed(self)


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def start(region: str = "us-east-1", state_dir: str | Path | None = None, *,
          seed: Callable[[EmbeddedRuntime], None] | None = None,
          job_cache_dir: str | Path | None = None,
          reward_validator: Callable[[str], list[str]] | None = None) -> EmbeddedRuntime:
    """Start the embedded runtime, or return the one already running in this process.

    `seed(runtime)` runs after start and after every `reset()`; `job_cache_dir` is where
    identical training jobs reuse their result (None: no cache); `reward_validator(source)` lists what is
    wrong with a reward function (DeepRacer on AWS's TestRewardFunction; None: that operation fails)."""
    global _current
    with _lock:
        if _current is not None and _current.running:
            if not os.environ.get("AWS_ENDPOINT_URL"):
                _current._export_env()
            return _current
        rt = EmbeddedRuntime(region=region, state_dir=Path(state_dir) if state_dir is not None else None,
                             seed=seed, job_cache_dir=Path(job_cache_dir) if job_cache_dir is not None else None,
                             reward_validator=reward_validator)
        rt.start()
        _current = rt
        atexit.register(rt.stop)
        return rt


def current() -> EmbeddedRuntime | None:
    return _current if _current is not None and _current.running else None
