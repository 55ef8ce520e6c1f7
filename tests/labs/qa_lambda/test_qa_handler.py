"""The QA Lambda handler's contract (labs/qa_lambda/image/app.py), on a tiny random model.

The handler is loaded as a fresh module with MODEL_DIR pointing at a 2-layer
BERT built here, exactly as the container loads it from ./model: answers are
random but must always be a valid span of the context, and every bad request
must get a status and a message, never a stack trace.
"""
from __future__ import annotations

import base64
import importlib.util
import json
import os
import uuid
from pathlib import Path

from tests.support import make_tiny_qa_model

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

APP = Path(__file__).resolve().parents[3] / "labs" / "qa_lambda" / "image" / "app.py"
CAR = (Path(__file__).resolve().parents[3] / "data" / "qa" / "car.txt").read_text().strip()


make_tiny_model = make_tiny_qa_model


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """A fresh instance of app.py reading MODEL_DIR, as at a Lambda cold start."""
    model_dir = make_tiny_model(tmp_path_factory.mktemp("qa-model"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MODEL_DIR", str(model_dir))
        mp.delenv("QA_BACKEND", raising=False)
        mp.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
        spec = importlib.util.spec_from_file_location(f"qa_app_{uuid.uuid4().hex}", APP)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.get_model()
        yield module


def event(body=None, *, method="POST", path="/inference", b64=False, raw=False) -> dict:
    """A payload 2.0 event; raw=True sends body exactly as given (with b64: already encoded)."""
    if body is not None and not raw:
        body = json.dumps(body)
        if b64:
            body = base64.b64encode(body.encode()).decode()
    return {"version": "2.0", "routeKey": f"{method} {path}", "rawPath": path,
            "headers": {"content-type": "application/json"},
            "requestContext": {"http": {"method": method, "path": path}},
            "body": body, "isBase64Encoded": b64}


def call(app, ev) -> tuple[int, dict]:
    resp = app.handler(ev, None)
    assert resp["headers"]["content-type"] == "application/json"
    body = json.loads(resp["body"])
    assert "Traceback" not in resp["body"]
    return resp["statusCode"], body


def test_answer_shape_and_offsets(app):
    status, body = call(app, event({"question": "When was the car invented?", "context": CAR}))
    assert status == 200
    assert set(body) == {"Question", "Answer", "score", "start", "end"}
    assert body["Question"] == "When was the car invented?"
    assert CAR[body["start"]:body["end"]] == body["Answer"] and body["Answer"]
    assert 0 < body["score"] <= 1


def test_base64_body_and_extra_fields_are_accepted(app):
    status, body = call(app, event({"question": "Who drove?", "context": CAR, "extra": 1}, b64=True))
    assert status == 200 and CAR[body["start"]:body["end"]] == body["Answer"]


def test_a_direct_invoke_with_an_object_body_works(app):
    ev = event(None)
    ev["body"] = {"question": "Who drove?", "context": CAR}  # e.g. a console test event
    status, body = call(app, ev)
    assert status == 200 and CAR[body["start"]:body["end"]] == body["Answer"]


def test_a_long_context_is_answered_from_some_window(app):
    context = " ".join([CAR] * 40)  # ~4,000 words, far beyond one 256-token window
    status, body = call(app, event({"question": "When was the car invented?", "context": context}))
    assert status == 200
    assert context[body["start"]:body["end"]] == body["Answer"]


@pytest.mark.parametrize("ev, status, words", [
    (event(None), 400, "JSON body"),
    (event("{not json", raw=True), 400, "not valid JSON"),
    (event("bm90IGpzb24=", raw=True, b64=True), 400, "not valid JSON"),
    (event("%%%", raw=True, b64=True), 400, "base64"),
    (event([1, 2]), 400, "JSON object"),
    (event("a string"), 400, "JSON object"),
    (event({"context": CAR}), 400, '"question" is missing'),
    (event({"question": "Why?"}), 400, '"context" is missing'),
    (event({"question": "  ", "context": CAR}), 400, '"question" is empty'),
    (event({"question": "Why?", "context": ""}), 400, '"context" is empty'),
    (event({"question": 7, "context": CAR}), 400, '"question" must be a string'),
    (event({"question": "Why?", "context": ["a"]}), 400, '"context" must be a string'),
    (event({"question": "w" * 1001, "context": CAR}), 400, "too long"),
    (event({"question": "Why?", "context": "x " * 60_000}), 413, "too large"),
    (event({"question": "Why?", "context": "x " * 60_000}, b64=True), 413, "too large"),
    (event({"question": "Why?", "context": CAR}, method="GET"), 405, "use POST"),
    (event({"question": "Why?", "context": CAR}, path="/predict"), 404, "No route"),
    (event(None, method="GET", path="/"), 404, "No route"),
], ids=["no-body", "not-json", "b64-not-json", "bad-b64", "list", "string", "no-question", "no-context",
        "blank-question", "empty-context", "number-question", "list-context", "long-question", "large-body",
        "large-b64-body", "wrong-method", "wrong-path", "root"])
def test_bad_requests_get_a_status_and_a_message(app, ev, status, words):
    got, body = call(app, ev)
    assert got == status
    assert set(body) == {"message"} and words in body["message"]


def test_a_1000_character_question_is_still_accepted(app):
    status, body = call(app, event({"question": "w" * 999 + "?", "context": CAR}))
    assert status == 200 and CAR[body["start"]:body["end"]] == body["Answer"]


def test_model_failure_is_a_500_with_a_message_not_a_trace(app, monkeypatch, capsys):
    def broken(question, context):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(app.get_model(), "answer", broken)
    status, body = call(app, event({"question": "Why?", "context": CAR}))
    assert status == 500 and "secret" not in body["message"] and "logged" in body["message"]
    assert "secret internals" in capsys.readouterr().out  # ...but the operator sees it in the logs


def test_keep_warm_ping_loads_the_model_and_answers_nothing(app):
    assert app.handler({"warmup": True}, None) == {"warm": True}
    assert app.handler({"source": "aws.events", "detail-type": "Scheduled Event"}, None) == {"warm": True}


def test_window_settings_are_read_from_the_model_folder(app, tmp_path):
    import shutil

    model_dir = shutil.copytree(os.environ["MODEL_DIR"], tmp_path / "m")
    assert app.get_model().max_length == 256  # no qa_config.json: the defaults
    (model_dir / "qa_config.json").write_text(json.dumps({"max_length": 128, "doc_stride": 32}))
    model = app.QAModel.load(model_dir)
    assert (model.max_length, model.doc_stride, model.backend) == (128, 32, "torch")
    assert len(model.windows("Why?", " ".join([CAR] * 3))) > 1


# --------------------------------------------------------------------------- the deployment template

TEMPLATE = APP.with_name("template.yaml")


def load_template() -> dict:

    from helpers import templates

    return templates.load(TEMPLATE)


def test_template_passes_cfn_lint():
    import subprocess
    import sys

    cfn_lint = str(Path(sys.executable).with_name("cfn-lint"))
    result = subprocess.run([cfn_lint, str(TEMPLATE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_template_translates_to_the_reference_deployment(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.translator.transform import transform

    class NoManagedPolicies:
        def load(self):
            return {}

    template = load_template()
    # `sam build` adds the pushed image's URI; the translator needs one.
    template["Resources"]["QaFunction"]["Properties"]["ImageUri"] = \
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/qa:python3.13-v1"
    try:
        out = transform(template, {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012",
                                   "AWS::Partition": "aws"}, NoManagedPolicies())
    except InvalidDocumentException as exc:  # pragma: no cover - shows every cause
        raise AssertionError("; ".join(str(c) for c in exc.causes))
    res = out["Resources"]
    fn = res["QaFunction"]["Properties"]
    assert fn["PackageType"] == "Image" and fn["MemorySize"] == 5000 and fn["Timeout"] == 300
    meta = res["QaFunction"]["Metadata"]
    assert meta["Dockerfile"] == "Dockerfile" and meta["DockerContext"] == "."
    api = next(r for r in res.values() if r["Type"] == "AWS::ApiGatewayV2::Api")
    integration = api["Properties"]["Body"]["paths"]["/inference"]["post"]["x-amazon-apigateway-integration"]
    assert integration["timeoutInMillis"] == 29000 and integration["payloadFormatVersion"] == "2.0"
    assert "QaFunctionAliaslive" in json.dumps(integration["uri"])  # the alias that can be kept warm
    alias = res["QaFunctionAliaslive"]["Properties"]
    assert alias["ProvisionedConcurrencyConfig"]["Fn::If"][0] == "HasProvisionedConcurrency"
    assert res["KeepWarmRule"]["Condition"] == "HasKeepWarm"
    assert res["KeepWarmPermission"]["Condition"] == "HasKeepWarm"
    assert json.loads(res["KeepWarmRule"]["Properties"]["Targets"][0]["Input"]) == {"warmup": True}
    assert "/inference" in json.dumps(out["Outputs"]["InferenceUrl"]["Value"])


def test_dockerfile_bakes_the_model_and_runs_the_handler():
    text = APP.with_name("Dockerfile").read_text()
    froms = [line for line in text.splitlines() if line.startswith("FROM")]
    # 3.13 (Amazon Linux 2023, supported until 2029-06-30): Amazon Linux 2's glibc 2.26 cannot load the
    # pinned manylinux_2_28 wheels
    assert froms == ["FROM public.ecr.aws/lambda/python:3.13"]
    assert "COPY model/ ${LAMBDA_TASK_ROOT}/model/" in text and 'CMD ["app.handler"]' in text
    reqs = APP.with_name("requirements.txt").read_text()
    assert "download.pytorch.org/whl/cpu" in reqs
    pins = [l for l in reqs.splitlines() if l and not l.startswith(("#", "--"))]
    assert all("==" in p for p in pins) and any(p.startswith("transformers==4.57.") for p in pins)
