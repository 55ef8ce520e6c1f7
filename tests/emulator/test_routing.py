"""The gateway's one routing table: decoding, routed and unrouted calls, hooks, and the package's imports."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
import threading
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.parsers import ResponseParserError
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from helpers.emulator import moto_backends
from helpers.emulator.gateway import Gateway, PathPrefix, json_error, service_model

PACKAGE = Path(__file__).resolve().parents[2] / "helpers" / "emulator"


# -- the live runtime's table -----------------------------------------------------------------------
def test_every_routed_operation_exists_in_botocore(session):
    gateway = session.runtime.gateway
    keys = list(gateway.routes) + list(gateway.after)
    assert ("lambda", "Invoke") in gateway.routes and ("sagemaker", "CreateTrainingJob") in gateway.after
    for service, operation in keys:
        assert operation in service_model(service).operation_names, f"{service} has no operation {operation}"
    assert list(gateway.path_routes) == ["/_aws/execute-api/", "/_aws/deepracer-on-aws/"]


def test_client_config_reaches_the_runtime(session):
    cfg = session.runtime.client_config()
    assert set(cfg) == {"endpoint_url", "aws_access_key_id", "aws_secret_access_key", "region_name"}
    assert cfg["endpoint_url"] == session.runtime.endpoint_url
    s3 = boto3.session.Session().client("s3", **cfg)
    assert session.bucket in {b["Name"] for b in s3.list_buckets()["Buckets"]}  # the seed ran


def test_unrouted_calls_are_answered_by_moto_in_the_runtime(session, unique):
    lam = session.client("lambda")
    assert ("lambda", "ListFunctions") not in session.runtime.gateway.routes
    assert isinstance(lam.list_functions()["Functions"], list)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName=f"nothing-{unique}")


# -- a gateway of its own, with a stand-in moto and a stand-in stand-in ---------------------------
class _FakeMoto:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, environ, start_response):
        self.calls.append(environ["PATH_INFO"])
        return Response(json.dumps({"Functions": [], "from": "moto"}), mimetype="application/json")(
            environ, start_response)


class _Recorder:
    """A stand-in routing a few REST and JSON operations; remembers what reached it."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, dict]] = []

    def routes(self):
        return {("lambda", "Invoke"): self.answer, ("sesv2", "SendEmail"): self.answer,
                ("apigatewayv2", "CreateApi"): self.answer, ("sagemaker-runtime", "InvokeEndpoint"): self.answer,
                ("sagemaker", "ListModels"): self.answer, PathPrefix("/_custom/"): self.custom}

    def answer(self, call, forward):
        self.seen.append((call.api, call.operation, dict(call.path_params)))
        if call.api == "lambda":
            return Response(b'"from the stand-in"', mimetype="application/json")
        return Response(b"{}", mimetype="application/json")

    def custom(self, call, forward):
        return Response(b"custom", status=299)


@pytest.fixture
def fake():
    moto, standin = _FakeMoto(), _Recorder()
    decoded, answered = [], []
    gateway = Gateway(moto, standins=(standin,), before=(lambda call: decoded.append(call) and None,))
    gateway.hook(("lambda", "ListFunctions"), lambda call, response: answered.append((call, response)))
    gateway.hook(("lambda", "Invoke"), lambda call, response: answered.append((call, response)))
    server = make_server("127.0.0.1", 0, gateway, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"

    def client(service):
        return boto3.session.Session().client(
            service, endpoint_url=url, region_name="eu-west-1", aws_access_key_id="AKIATEST",
            aws_secret_access_key="x", config=Config(retries={"max_attempts": 1}))

    yield {"gateway": gateway, "moto": moto, "standin": standin, "client": client, "url": url,
           "decoded": decoded, "answered": answered}
    server.shutdown()
    server.server_close()


def test_a_routed_operation_reaches_its_stand_in(fake):
    resp = fake["client"]("lambda").invoke(FunctionName="my-fn", Payload=b"{}")
    assert json.loads(resp["Payload"].read()) == "from the stand-in"
    assert fake["standin"].seen == [("lambda", "Invoke", {"FunctionName": "my-fn"})]
    assert fake["moto"].calls == []


@pytest.mark.parametrize("service, call, kwargs, expected", [
    ("sesv2", "send_email", {"FromEmailAddress": "a@example.com", "Destination": {"ToAddresses": ["b@example.com"]},
                             "Content": {"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}}}},
     ("sesv2", "SendEmail", {})),
    ("apigatewayv2", "create_api", {"Name": "n", "ProtocolType": "HTTP"}, ("apigatewayv2", "CreateApi", {})),
    ("sagemaker-runtime", "invoke_endpoint", {"EndpointName": "ep-1", "Body": b"{}"},
     ("sagemaker-runtime", "InvokeEndpoint", {"EndpointName": "ep-1"})),
    ("sagemaker", "list_models", {}, ("sagemaker", "ListModels", {})),
])
def test_signing_names_and_paths_decode_to_the_right_model(fake, service, call, kwargs, expected):
    """apigatewayv2 signs as "apigateway", sesv2 as "ses", sagemaker-runtime as "sagemaker"."""
    getattr(fake["client"](service), call)(**kwargs)
    assert fake["standin"].seen == [expected]
    assert fake["moto"].calls == []


def test_an_unrouted_operation_is_answered_by_moto_and_hooks_see_the_response(fake):
    assert fake["client"]("lambda").list_functions()["Functions"] == []
    assert fake["moto"].calls == ["/2015-03-31/functions"] and fake["standin"].seen == []
    (call, response), = fake["answered"]
    assert (call.service, call.api, call.operation) == ("lambda", "lambda", "ListFunctions")
    assert response.status_code == 200 and json.loads(response.get_data())["from"] == "moto"


def test_hooks_see_a_routed_answer_too(fake):
    fake["client"]("lambda").invoke(FunctionName="my-fn", Payload=b"{}")
    (call, response), = fake["answered"]
    assert call.operation == "Invoke" and response.get_data() == b'"from the stand-in"'


def test_json_and_query_operations_are_decoded_for_any_service(fake):
    fake["client"]("identitystore").list_groups(IdentityStoreId="d-1")
    with pytest.raises(ResponseParserError):  # the stand-in moto answers JSON, STS speaks XML
        fake["client"]("sts").get_caller_identity()
    ops = [(c.service, c.operation) for c in fake["decoded"]]
    assert ops == [("identitystore", "ListGroups"), ("sts", "GetCallerIdentity")]
    assert len(fake["moto"].calls) == 2  # unrouted: moto


def test_path_prefix_routes_and_before_hooks_answer_first(fake):
    import requests

    assert requests.get(f"{fake['url']}/_custom/anything", timeout=10).status_code == 299
    fake["gateway"].before.append(lambda call: json_error(503, "Nope", "injected") if call.api == "lambda" else None)
    with pytest.raises(Exception, match="Nope"):
        fake["client"]("lambda").invoke(FunctionName="my-fn", Payload=b"{}")
    assert fake["standin"].seen == []


def test_two_handlers_for_one_operation_is_an_error():
    gateway = Gateway(_FakeMoto(), standins=(_Recorder(),))
    with pytest.raises(ValueError, match="two handlers"):
        gateway.add(_Recorder())


def test_rest_uri_templates_prefer_the_most_specific_match():
    from helpers.emulator.gateway import Call, Decoder

    decoder = Decoder()
    decoder.know("lambda")

    def op(method, path, query=None):
        call = Call("lambda", "us-east-1", method, path, {}, query or {}, b"")
        return decoder.decode(call).operation, call.path_params

    assert op("GET", "/2015-03-31/functions/f1") == ("GetFunction", {"FunctionName": "f1"})
    assert op("GET", "/2015-03-31/functions/f1/configuration")[0] == "GetFunctionConfiguration"
    assert op("GET", "/2019-09-30/functions/f1/provisioned-concurrency", {"List": "ALL"})[0] == \
        "ListProvisionedConcurrencyConfigs"
    assert op("GET", "/2019-09-30/functions/f1/provisioned-concurrency")[0] == "GetProvisionedConcurrencyConfig"
    assert op("POST", "/2015-03-31/event-source-mappings/")[0] == "CreateEventSourceMapping"
    assert op("GET", "/not/a/lambda/path") == ("", {})


def test_no_job_cache_folder_means_no_cache(tmp_path):
    from helpers.emulator.sagemaker import _job_cache

    (tmp_path / "code").mkdir()
    assert _job_cache(None, {}, tmp_path / "code", {"epochs": "1"}) is None
    assert _job_cache(tmp_path / "jobs", {}, tmp_path / "code", {"epochs": "1"}).parent == tmp_path / "jobs"


# -- the package stands alone ------------------------------------------------------------------------
def test_the_emulator_imports_nothing_of_the_project_but_itself():
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            for name in names:
                top = name.split(".")[0]
                if top in ("helpers", "labs", "tests", "benchmarks", "scripts"):
                    assert name.startswith("helpers.emulator"), f"{path.name} imports {name}"
                if top == "moto":
                    assert path.name == "moto_backends.py", f"{path.name} imports moto ({name}) directly"
    code = ("import sys, helpers.emulator; "
            "print(sorted(m for m in sys.modules if m.startswith(('labs', 'helpers.models', 'helpers.seed'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=PACKAGE.parents[1]).stdout
    assert out.strip() == "[]"


def test_moto_backends_reaches_the_backends_moto_uses():
    from moto.awslambda.models import lambda_backends

    assert moto_backends.lambda_("123456789012", "us-east-1") is lambda_backends["123456789012"]["us-east-1"]
