"""SageMaker data planes: training jobs that really train, endpoints that really answer.

moto stores training jobs, models, endpoint configs and endpoints, but marks
jobs `Completed` at once without running anything and answers
`InvokeEndpoint` with a fixed body. These stand-ins keep moto's records
(Describe/List answer as on AWS) and do the work:

- CreateTrainingJob: the job goes `InProgress`; its channels are downloaded
  from (emulated) S3, the entry script runs with the script-mode contract
  (hyperparameters as `--name value` arguments, `SM_MODEL_DIR`,
  `SM_CHANNEL_<NAME>`, `SM_HPS`, `SM_OUTPUT_DATA_DIR`, ...), its output is
  streamed to CloudWatch Logs (`/aws/sagemaker/TrainingJobs`) and scanned
  with the job's metric definitions, and the model folder is uploaded as
  `model.tar.gz` where the job description says. A script that fails makes
  the job `Failed` with the reason; `MaxRuntimeInSeconds` stops it.
- CreateEndpoint: the endpoint is `Creating` while a worker loads the model
  (`model_fn`), then `InService`, or `Failed` with the loader's error.
- InvokeEndpoint: endpoint -> config -> model -> model data; the request goes
  through `input_fn` / `predict_fn` / `output_fn`; an error raised for a bad
  request comes back as SageMaker's `ModelError` with the container's status.
"""
from __future__ import annotations

import base64
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote

from werkzeug.wrappers import Response

from helpers.emulator import moto_backends
from helpers.emulator.gateway import Call, json_error, service_model
from helpers.emulator.lambdas import FunctionSpec, Worker

INFERENCE_BOOTSTRAP = Path(__file__).with_name("_inference_bootstrap.py")
LOG_GROUP = "/aws/sagemaker/TrainingJobs"


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _split_s3(uri: str) -> tuple[str, str]:
    m = re.match(r"^s3://([^/]+)/?(.*)$", uri)
    if not m:
        raise ValueError(f"not an S3 URI: {uri!r}")
    return m.group(1), m.group(2)


class SageMakerStandIn:
    def __init__(self, runtime) -> None:
        self.rt = runtime
        self.root = Path(runtime.state_dir) / "sagemaker"
        self.root.mkdir(parents=True, exist_ok=True)
        # where identical training jobs reuse their result (None: every job trains)
        self.cache_dir: Path | None = getattr(runtime, "job_cache_dir", None)
        self._jobs: dict[str, subprocess.Popen] = {}
        self._endpoints: dict[str, Worker] = {}
        self._lock = threading.Lock()
        self._stop_requested: set[str] = set()  # StopTrainingJob before the script started

    # -- moto access ------------------------------------------------------------
    def _backend(self, region: str):
        return moto_backends.sagemaker(self.rt.account_id, region)

    # -- routing ------------------------------------------------------------------
    def routes(self) -> dict:
        table = {
            ("sagemaker", "CreateTrainingJob"): self.create_training_job_call,
            ("sagemaker", "StopTrainingJob"): self.stop_training_job_call,
            ("sagemaker", "CreateEndpoint"): self.create_endpoint_call,
            ("sagemaker", "DeleteEndpoint"): self.delete_endpoint_call,
            ("sagemaker-runtime", "InvokeEndpoint"): self.invoke_endpoint_call,
        }
        for op in service_model("sagemaker").operation_names:
            if op.startswith("Describe"):
                table[("sagemaker", op)] = self.describe_call
        return table

    def create_training_job_call(self, call: Call, forward) -> Response:
        response = forward(call)
        if response.status_code == 200:
            self._start_job(call.json(), call.region)
        return response

    def stop_training_job_call(self, call: Call, forward) -> Response:
        name = call.json().get("TrainingJobName", "")
        proc = self._jobs.get(name)
        if proc is not None and proc.poll() is None:
            proc.kill()
            return Response("{}", mimetype="application/x-amz-json-1.1")
        return self._stop_not_running(name, call.region)

    def create_endpoint_call(self, call: Call, forward) -> Response:
        response = forward(call)
        if response.status_code == 200:
            self._start_endpoint(call.json()["EndpointName"], call.region)
        return response

    def describe_call(self, call: Call, forward) -> Response:
        return _omit_empty(forward(call))

    def delete_endpoint_call(self, call: Call, forward) -> Response:
        name = call.json().get("EndpointName", "")
        with self._lock:
            worker = self._endpoints.pop(name, None)
        if worker:
            worker.stop()
        return forward(call)

    def invoke_endpoint_call(self, call: Call, forward) -> Response:
        return self._invoke(call)

    # -- training jobs --------------------------------------------------------------
    def _start_job(self, req: dict, region: str) -> None:
        name = req["TrainingJobName"]
        job = self._backend(region).training_jobs[name]
        now = _now()
        job.training_job_status, job.secondary_status = "InProgress", "Starting"
        job.training_start_time = job.last_modified_time = now
        job.training_end_time = None
        job.final_metric_data_list = []
        job.algorithm_specification["MetricDefinitions"] = list(
            (req.get("AlgorithmSpecification") or {}).get("MetricDefinitions") or [])
        job.secondary_status_transitions = [
            {"Status": "Starting", "StartTime": now, "StatusMessage": "Preparing the local training environment"}]
        threading.Thread(target=self._run_job, args=(req, region), name=f"train-{name}", daemon=True).start()

    def _transition(self, job, status: str, message: str) -> None:
        now = _now()
        if job.secondary_status_transitions:
            job.secondary_status_transitions[-1]["EndTime"] = now
        job.secondary_status_transitions.append({"Status": status, "StartTime": now, "StatusMessage": message})
        job.secondary_status = status
        job.last_modified_time = now

    def _run_job(self, req: dict, region: str) -> None:
        name = req["TrainingJobName"]
        job = self._backend(region).training_jobs[name]
        base = self.root / "training" / name
        dirs = {k: base / k for k in ("input/data", "input/config", "model", "output/data", "code")}
        for d in dirs.values():
            d.mkdir(parents=True, exist_ok=True)
        log = _JobLog(self.rt, name)
        try:
            self._transition(job, "Downloading", "Downloading input data")
            channels = self._download_channels(req, dirs["input/data"], region)
            entry, code_dir = self._entry_point(req, dirs, channels, region)
            hps = dict(req.get("HyperParameters") or {})
            user_hps = {k: v for k, v in hps.items() if not k.startswith("sagemaker_")}
            args = []
            for k, v in user_hps.items():
                args += [f"--{k}", _plain(v)]
            env = self._job_env(req, dirs, channels, user_hps, entry, code_dir)
            (dirs["input/config"] / "hyperparameters.json").write_text(json.dumps(hps))
            self._transition(job, "Training", "Training image download completed. Training in progress.")
            if self._stopped_before_start(job, name):
                return
            cached = _job_cache(self.cache_dir, channels, code_dir, user_hps)
            if cached is not None and (cached / "DONE").exists():
                log.write(f"Reusing the model trained earlier with the same data, code and hyperparameters "
                          f"({cached.name}); delete {cached} to train again.")
                log.write((cached / "log.txt").read_text())
                log.flush()
                self._finish_from_cache(job, cached, dirs)
                return
            log.write(f"Invoking script with: python {entry.name} {' '.join(args)}")
            proc = subprocess.Popen([sys.executable, str(entry), *args], cwd=str(code_dir), env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
            self._jobs[name] = proc
            if name in self._stop_requested:  # a stop that arrived while the process was starting
                proc.kill()
            limit = float((req.get("StoppingCondition") or {}).get("MaxRuntimeInSeconds") or 86400)
            timer = threading.Timer(limit, proc.kill)
            timer.start()
            metrics = _Metrics(job.algorithm_specification.get("MetricDefinitions") or [])
            tail: list[str] = []
            assert proc.stdout is not None
            for line in proc.stdout:
                line = line.rstrip("\n")
                log.write(line)
                metrics.scan(line)
                tail = (tail + [line])[-20:]
            code = proc.wait()
            timer.cancel()
            log.flush()
            job.final_metric_data_list = metrics.final()
            if code == 0 and cached is not None:
                _store_cache(cached, dirs, log_lines=metrics.lines, metrics=metrics.values)
            if code != 0:
                job.training_job_status = "Stopped" if code < 0 and not _timed_out(limit, job) else "Failed"
                if code < 0 and _timed_out(limit, job):
                    job.training_job_status = "Failed"
                    job.failure_reason = f"MaxRuntimeExceeded: the job ran longer than {limit:.0f} s"
                elif job.training_job_status == "Failed":
                    reason = next((t for t in reversed(tail) if t.strip()), "")
                    job.failure_reason = f"AlgorithmError: {reason[-500:]}, exit code: {code}"
                self._transition(job, job.training_job_status, getattr(job, "failure_reason", None) or "Training job stopped")
            else:
                self._transition(job, "Uploading", "Uploading generated training model")
                key_uri = job.model_artifacts["S3ModelArtifacts"]
                self._upload_tar(dirs["model"], key_uri)
                out_uri = key_uri.rsplit("/", 1)[0] + "/output.tar.gz"
                if any(dirs["output/data"].iterdir()):
                    self._upload_tar(dirs["output/data"], out_uri)
                job.training_job_status = "Completed"
                self._transition(job, "Completed", "Training job completed")
        except Exception as exc:  # noqa: BLE001 - any setup failure is the job's failure reason
            log.write(f"ERROR {type(exc).__name__}: {exc}")
            log.flush()
            job.training_job_status = "Failed"
            job.failure_reason = f"ClientError: {exc}"
            self._transition(job, "Failed", job.failure_reason)
        finally:
            job.training_end_time = job.last_modified_time = _now()
            self._jobs.pop(name, None)
            self._stop_requested.discard(name)

    def _stop_not_running(self, name: str, region: str) -> Response:
        """StopTrainingJob when no script is running: a job still preparing stops before its script
        starts; a finished (or unknown) job answers as SageMaker does."""
        job = self._backend(region).training_jobs.get(name)
        if job is None:
            return json_error(400, "ValidationException", f"Requested resource not found: training job {name}")
        if job.training_job_status != "InProgress":
            return json_error(400, "ValidationException", "The request was rejected because the training job is "
                                                          f"in status {job.training_job_status}.")
        self._stop_requested.add(name)
        job.training_job_status = "Stopping"
        self._transition(job, "Stopping", "Stopping the training job")
        return Response("{}", mimetype="application/x-amz-json-1.1")

    def _stopped_before_start(self, job, name: str) -> bool:
        if name not in self._stop_requested:
            return False
        job.training_job_status = "Stopped"
        self._transition(job, "Stopped", "Training job stopped")
        return True

    def _finish_from_cache(self, job, cached: Path, dirs: dict) -> None:
        import shutil

        shutil.rmtree(dirs["model"], ignore_errors=True)
        shutil.copytree(cached / "model", dirs["model"])
        if (cached / "output").exists():
            shutil.rmtree(dirs["output/data"], ignore_errors=True)
            shutil.copytree(cached / "output", dirs["output/data"])
        values = json.loads((cached / "metrics.json").read_text())
        now = _now()
        job.final_metric_data_list = [{"MetricName": k, "Value": v, "Timestamp": now} for k, v in values.items()]
        self._transition(job, "Uploading", "Uploading generated training model")
        key_uri = job.model_artifacts["S3ModelArtifacts"]
        self._upload_tar(dirs["model"], key_uri)
        if any(dirs["output/data"].iterdir()):
            self._upload_tar(dirs["output/data"], key_uri.rsplit("/", 1)[0] + "/output.tar.gz")
        job.training_job_status = "Completed"
        self._transition(job, "Completed", "Training job completed (model reused from the local cache)")

    def _s3(self, region: str):
        return self.rt.client("s3", region)

    def _download_channels(self, req: dict, data_dir: Path, region: str) -> dict[str, Path]:
        s3 = self._s3(region)
        channels = {}
        for ch in req.get("InputDataConfig") or []:
            name = ch["ChannelName"]
            src = (ch.get("DataSource") or {}).get("S3DataSource") or {}
            if not src:
                raise ValueError(f"channel {name}: only S3 data sources run locally")
            bucket, prefix = _split_s3(src["S3Uri"])
            target = data_dir / name
            target.mkdir(parents=True, exist_ok=True)
            keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
                    for o in page.get("Contents", [])]
            if src.get("S3DataType", "S3Prefix") == "S3Prefix" and not keys:
                raise ValueError(f"channel {name}: no data under {src['S3Uri']}")
            for key in keys:
                rel = key[len(prefix):].lstrip("/") or Path(key).name
                dest = target / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                s3.download_file(bucket, key, str(dest))
            channels[name] = target
        return channels

    def _entry_point(self, req: dict, dirs: dict, channels: dict[str, Path], region: str) -> tuple[Path, Path]:
        """Find the script to run: SDK v3 (code + sm_drivers channels) or v2 (sagemaker_program)."""
        hps = req.get("HyperParameters") or {}
        drivers = channels.get("sm_drivers")
        if drivers is not None and (drivers / "sourcecode.json").exists():
            source = json.loads((drivers / "sourcecode.json").read_text())
            entry = source.get("entry_script")
            code = channels.get("code", dirs["code"])
            if not entry:
                raise ValueError("local mode runs script-mode jobs: the job's source code has no entry_script")
            return code / entry, code
        program = _plain(hps.get("sagemaker_program", ""))
        submit = _plain(hps.get("sagemaker_submit_directory", ""))
        if program and submit:
            bucket, key = _split_s3(submit)
            body = self._s3(region).get_object(Bucket=bucket, Key=key)["Body"].read()
            with tarfile.open(fileobj=io.BytesIO(body)) as tf:
                tf.extractall(dirs["code"], filter="data")
            return dirs["code"] / program, dirs["code"]
        raise ValueError("local mode runs script-mode jobs (an entry script); this job names none")

    def _job_env(self, req, dirs, channels, hps, entry: Path, code_dir: Path) -> dict[str, str]:
        env = dict(os.environ)
        env.update({str(k): str(v) for k, v in (req.get("Environment") or {}).items()})
        user_channels = sorted(c for c in channels if c not in ("code", "sm_drivers"))
        env.update({
            "SM_MODEL_DIR": str(dirs["model"]),
            "SM_OUTPUT_DATA_DIR": str(dirs["output/data"]),
            "SM_OUTPUT_DIR": str(dirs["output/data"].parent),
            "SM_INPUT_DIR": str(dirs["input/data"].parent),
            "SM_INPUT_CONFIG_DIR": str(dirs["input/config"]),
            "SM_CHANNELS": json.dumps(user_channels),
            "SM_HPS": json.dumps({k: _typed(v) for k, v in hps.items()}),
            "SM_USER_ARGS": json.dumps([x for k, v in hps.items() for x in (f"--{k}", _plain(v))]),
            "SM_MODULE_DIR": str(code_dir),
            "SM_USER_ENTRY_POINT": entry.name,
            "SM_HOSTS": json.dumps(["algo-1"]),
            "SM_CURRENT_HOST": "algo-1",
            "SM_NUM_CPUS": str(os.cpu_count() or 1),
            "SM_NUM_GPUS": "0",
            "SM_TRAINING_ENV": json.dumps({"job_name": req["TrainingJobName"], "hyperparameters": hps,
                                           "channel_input_dirs": {c: str(channels[c]) for c in user_channels},
                                           "model_dir": str(dirs["model"])}),
            "TRAINING_JOB_NAME": req["TrainingJobName"],
            "PYTHONUNBUFFERED": "1",
        })
        for c in user_channels:
            env[f"SM_CHANNEL_{c.upper()}"] = str(channels[c])
        for k, v in hps.items():
            env[f"SM_HP_{k.upper()}"] = _plain(v)
        return env

    def _upload_tar(self, folder: Path, uri: str) -> None:
        bucket, key = _split_s3(uri)
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tf:
            for p in sorted(folder.rglob("*")):
                tf.add(p, arcname=str(p.relative_to(folder)), recursive=False)
        self._s3("us-east-1" if not self.rt.region else self.rt.region).put_object(
            Bucket=bucket, Key=key, Body=buf.getvalue())

    # -- endpoints -----------------------------------------------------------------------
    def _resolve_model(self, endpoint_name: str, region: str) -> tuple[dict, Path, str | None]:
        be = self._backend(region)
        endpoint = be.endpoints[endpoint_name]
        config = be.endpoint_configs[endpoint.endpoint_config_name]
        variant = config.production_variants[0]
        model = be._models[variant["ModelName"]] if hasattr(be, "_models") else be.models[variant["ModelName"]]
        container = model.primary_container or (model.containers[0] if model.containers else {})
        env = {str(k): str(v) for k, v in (container.get("Environment") or {}).items()}
        data_url = container.get("ModelDataUrl")
        target = self.root / "endpoints" / endpoint_name / uuid.uuid4().hex[:8]
        target.mkdir(parents=True, exist_ok=True)
        if data_url:
            bucket, key = _split_s3(data_url)
            body = self._s3(region).get_object(Bucket=bucket, Key=key)["Body"].read()
            with tarfile.open(fileobj=io.BytesIO(body)) as tf:
                tf.extractall(target, filter="data")
        script = None
        program = env.get("SAGEMAKER_PROGRAM")
        submit = env.get("SAGEMAKER_SUBMIT_DIRECTORY")
        if (target / "code" / "inference.py").exists():
            script = str(target / "code" / "inference.py")
        elif program and submit and submit.startswith("s3://"):
            bucket, key = _split_s3(submit)
            body = self._s3(region).get_object(Bucket=bucket, Key=key)["Body"].read()
            code = target / "code"
            with tarfile.open(fileobj=io.BytesIO(body)) as tf:
                tf.extractall(code, filter="data")
            script = str(code / program)
        return env, target, script

    def _start_endpoint(self, name: str, region: str) -> None:
        ep = self._backend(region).endpoints[name]
        ep.endpoint_status = "Creating"

        def load() -> None:
            try:
                env, model_dir, script = self._resolve_model(name, region)
                spec = FunctionSpec(name=f"endpoint-{name}", arn=ep.arn, handler=script or "-", code_dir=model_dir,
                                    environment=env, timeout=600.0, memory_mb=1 << 20, max_workers=1,
                                    bootstrap=INFERENCE_BOOTSTRAP)
                worker = Worker(spec, self.rt._function_env())
                line = worker._readline(time.time() + 600)
                ready = json.loads(line) if line else {"ready": False, "error": {"errorMessage": "worker exited"}}
                worker._ready = True
                if not ready.get("ready"):
                    worker.stop()
                    err = ready.get("error") or {}
                    ep.endpoint_status = "Failed"
                    ep.failure_reason = f"ModelLoadError: {err.get('errorType', '')}: {err.get('errorMessage', '')}"[:1000]
                    return
                with self._lock:
                    old = self._endpoints.pop(name, None)
                    self._endpoints[name] = worker
                if old:
                    old.stop()
                ep.endpoint_status = "InService"
            except Exception as exc:  # noqa: BLE001 - shown as the endpoint's failure reason
                ep.endpoint_status = "Failed"
                ep.failure_reason = f"{type(exc).__name__}: {exc}"[:1000]
            finally:
                ep.last_modified_time = _now()

        threading.Thread(target=load, name=f"endpoint-{name}", daemon=True).start()

    def _invoke(self, call: Call) -> Response:
        name = unquote(call.path_params["EndpointName"])
        with self._lock:
            worker = self._endpoints.get(name)
        if worker is None:
            try:
                status = self._backend(call.region).endpoints[name].endpoint_status
            except KeyError:
                return json_error(400, "ValidationError", f"Endpoint {name} of account {self.rt.account_id} not found.")
            return json_error(400, "ValidationError", f"Endpoint {name} is not in service (status: {status}).")
        payload = json.dumps({"body": base64.b64encode(call.body).decode(),
                              "content_type": call.headers.get("content-type", "application/json"),
                              "accept": call.headers.get("accept", "application/json")})
        rid = str(uuid.uuid4())
        with worker_lock(worker):
            msg, logs, _ = worker.invoke(payload.encode(), rid)
        if logs:
            self.rt._queue_logs_group(f"/aws/sagemaker/Endpoints/{name}", "AllTraffic/local", logs)
        if msg is None:
            return _model_error(500, "the model container stopped or timed out", name)
        if "error" in msg:
            err = msg["error"]
            return _model_error(int(err.get("status") or 500), err.get("errorMessage", ""), name)
        out = json.loads(msg["result"])
        resp = Response(base64.b64decode(out["body"]), status=200, mimetype=None)
        resp.headers["Content-Type"] = out.get("content_type") or "application/json"
        resp.headers["x-Amzn-Invoked-Production-Variant"] = "AllTraffic"
        return resp

    def stop_all(self) -> None:
        for proc in list(self._jobs.values()):
            if proc.poll() is None:
                proc.kill()
        with self._lock:
            for w in self._endpoints.values():
                w.stop()
            self._endpoints.clear()


_worker_locks: dict[int, threading.Lock] = {}


def worker_lock(worker: Worker) -> threading.Lock:
    """One request at a time per endpoint worker (a single-instance variant)."""
    return _worker_locks.setdefault(id(worker), threading.Lock())


def _omit_empty(response: Response) -> Response:
    """AWS leaves unset structures out of Describe* answers; moto returns `{}`, which
    the SDK's typed shapes reject (e.g. an empty VpcConfig without subnets)."""
    if response.status_code != 200:
        return response
    try:
        data = json.loads(response.get_data())
    except ValueError:
        return response
    if isinstance(data, dict):
        cleaned = {k: v for k, v in data.items() if v != {}}
        if cleaned != data:
            response.set_data(json.dumps(cleaned))
    return response


def _model_error(status: int, message: str, endpoint: str) -> Response:
    text = (f"Received {'client' if status < 500 else 'server'} error ({status}) from primary with message "
            f'"{message}". See CloudWatch log group /aws/sagemaker/Endpoints/{endpoint} for more information.')
    body = {"__type": "ModelError", "message": text, "Message": text, "OriginalStatusCode": status,
            "OriginalMessage": message, "LogStreamArn": f"/aws/sagemaker/Endpoints/{endpoint}"}
    resp = Response(json.dumps(body), status=424, mimetype="application/x-amz-json-1.1")
    resp.headers["x-amzn-ErrorType"] = "ModelError"
    return resp


def _plain(value) -> str:
    """Hyperparameters arrive JSON-encoded by some SDK versions ("\\"text\\"")."""
    text = str(value)
    if len(text) >= 2 and text[0] == text[-1] == '"':
        try:
            return str(json.loads(text))
        except ValueError:
            pass
    return text


def _typed(value):
    text = _plain(value)
    try:
        return json.loads(text)
    except ValueError:
        return text


def _timed_out(limit: float, job) -> bool:
    start = job.training_start_time
    return start is not None and (_now() - start).total_seconds() >= limit - 1


def _job_cache(cache_dir: Path | None, channels: dict[str, Path], code_dir: Path, hps: dict) -> Path | None:
    """Local mode only: where a job with these exact inputs keeps its result (None: no cache).

    Training the labs' models takes minutes on a laptop CPU; re-running the
    workshop must not retrain what is already trained. The key covers every
    input file, the code and the hyperparameters; a runtime started without
    a job cache folder always trains."""
    if cache_dir is None:
        return None
    import hashlib

    h = hashlib.sha256(json.dumps(hps, sort_keys=True).encode())
    roots = [p for name, p in sorted(channels.items()) if name != "sm_drivers"] + [code_dir]
    for root in roots:
        for f in sorted(p for p in Path(root).rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            h.update(str(f.relative_to(root)).encode())
            h.update(f.read_bytes())
    return Path(cache_dir) / h.hexdigest()[:16]


def _store_cache(cached: Path, dirs: dict, log_lines: list[str], metrics: dict) -> None:
    import shutil

    tmp = cached.with_name(cached.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(dirs["model"], tmp / "model")
    if any(dirs["output/data"].iterdir()):
        shutil.copytree(dirs["output/data"], tmp / "output")
    (tmp / "metrics.json").write_text(json.dumps(metrics))
    (tmp / "log.txt").write_text("\n".join(log_lines[-2000:]))
    (tmp / "DONE").touch()
    shutil.rmtree(cached, ignore_errors=True)
    tmp.rename(cached)


class _Metrics:
    """Scan log lines with the job's MetricDefinitions; keep the last value of each."""

    def __init__(self, definitions: list[dict]) -> None:
        self.patterns = [(d["Name"], re.compile(d["Regex"])) for d in definitions if d.get("Regex")]
        self.values: dict[str, float] = {}
        self.lines: list[str] = []

    def scan(self, line: str) -> None:
        self.lines.append(line)
        for name, rx in self.patterns:
            m = rx.search(line)
            if m:
                try:
                    self.values[name] = float(m.group(1))
                except (ValueError, IndexError):
                    pass

    def final(self) -> list[dict]:
        now = _now()
        return [{"MetricName": k, "Value": v, "Timestamp": now} for k, v in self.values.items()]


class _JobLog:
    """Training output to CloudWatch Logs, in small batches (the SDK tails it)."""

    def __init__(self, rt, job: str) -> None:
        self.rt = rt
        self.stream = f"{job}/algo-1-{int(time.time())}"
        self.lines: list[str] = []
        self.last = time.time()

    def write(self, line: str) -> None:
        self.lines.append(line)
        if len(self.lines) >= 50 or time.time() - self.last > 1.0:
            self.flush()

    def flush(self) -> None:
        if self.lines:
            self.rt._queue_logs_group(LOG_GROUP, self.stream, "\n".join(self.lines))
            self.lines = []
        self.last = time.time()
