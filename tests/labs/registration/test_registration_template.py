"""The aws-mode template is valid, and local mode deploys what it describes."""
from __future__ import annotations

import json
import subprocess
import sys

from labs.registration import stack as st


def test_cfn_lint_passes():
    cfn_lint = str(__import__("pathlib").Path(sys.executable).with_name("cfn-lint"))
    result = subprocess.run([cfn_lint, str(st.TEMPLATE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_sam_translator_expands_the_template(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")  # the translator builds ARNs for a region
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.translator.transform import transform

    class NoManagedPolicies:
        def load(self):
            return {}

    template = st.load_template()
    try:
        out = transform(template, {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012",
                                   "AWS::Partition": "aws"}, NoManagedPolicies())
    except InvalidDocumentException as exc:  # pragma: no cover - shows every cause
        raise AssertionError("; ".join(str(c) for c in exc.causes))
    types = {r["Type"] for r in out["Resources"].values()}
    assert {"AWS::Lambda::Function", "AWS::Lambda::EventSourceMapping", "AWS::ApiGatewayV2::Api",
            "AWS::SQS::Queue", "AWS::IAM::Role"} <= types
    mapping = next(r for r in out["Resources"].values() if r["Type"] == "AWS::Lambda::EventSourceMapping")
    props = mapping["Properties"]
    assert props["BisectBatchOnFunctionError"] is True and props["MaximumRetryAttempts"] == 3
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert "OnFailure" in props["DestinationConfig"]


def test_local_settings_come_from_the_template():
    s = st.template_settings()
    assert s["routes"] == ["GET /", "POST /register"]
    assert s["mapping"]["BatchSize"] == 100 and s["mapping"]["StartingPosition"] == "TRIM_HORIZON"
    assert json.loads(s["mapping"]["FilterCriteria"]["Filters"][0]["Pattern"]) == {"eventName": ["INSERT"]}
    assert set(s["provision_env"]) >= {"IDENTITY_STORE_ID", "GROUP_ID", "SENDER", "SITE_URL", "DEEPRACER_API_URL", "DEEPRACER_SECRET",
                                       "RACERS_TABLE", "EVENT_TABLE"}


def test_package_contains_every_module_and_is_deterministic():
    import io
    import zipfile

    a, b = st.package_code(), st.package_code()
    assert a == b
    names = set(zipfile.ZipFile(io.BytesIO(a)).namelist())
    assert names == set(st.PACKAGE_FILES) | set(st.VENDORED)  # the DeepRacer on AWS client ships too
