"""checkov finds nothing in the templates and the policy documents beyond the documented skips, and
would find the mistakes it exists to catch.

checkov takes a few seconds per file: every file is scanned once, all of them at the same time, by
the module's fixture."""
from __future__ import annotations

import copy
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from helpers import templates
from labs.secure_environment import evaluate as ev
from labs.secure_environment import lint

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = {"registration": ROOT / "labs/registration/template.yaml",
             "qa-lambda": ROOT / "labs/qa_lambda/image/template.yaml"}
ACCOUNT = "111122223333"
REGION = "us-east-1"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
DOCS = ev.project_documents("churn", ACCOUNT, REGION, "vpce-0a1b2c3d4e5f60001", f"churn-data-{ACCOUNT}", KEY,
                            subnet_ids=["subnet-0a1b2c3d4e5f60001"], security_group_ids=["sg-0a1b2c3d4e5f60001"])


def _mutated(sid: str, **change) -> dict:
    """The data-scientist policy with one statement changed (`Condition=None` drops the condition)."""
    doc = copy.deepcopy(DOCS["data-scientist"][1])
    stmt = next(s for s in doc["Statement"] if s["Sid"] == sid)
    for key, value in change.items():
        if value is None:
            stmt.pop(key)
        else:
            stmt[key] = value
    return doc


# Deliberately weak documents -> the check that must fail on each (logical id in the wrapped template).
WEAK = {
    "admin": ("identity", {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
              {"CKV_AWS_107", "CKV_AWS_108", "CKV_AWS_109", "CKV_AWS_110", "CKV_AWS_111"}),
    "open-key": ("kms-key", {"Version": "2012-10-17", "Statement": [
        {"Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}]},
                 {"CKV_AWS_33"}),
    # The project's own policy, each with one safeguard removed.
    "no-abac-condition": ("identity", _mutated("ManageOwnProjectResources", Condition=None), {"CKV_AWS_111"}),
    "any-bucket": ("identity", _mutated("ProjectBuckets", Resource="*"), {"CKV_AWS_108"}),
    "pass-any-role-anywhere": ("identity", _mutated("PassProjectExecutionRole", Resource="*", Condition=None),
                               {"CKV_AWS_109"}),
}
# A skip given with its reason is reported as skipped, not failed.
WEAK_SKIPS = {"kms-key": {"CKV_AWS_33": "test: a skip with its reason is reported as skipped"}}


@pytest.fixture(scope="module")
def reports() -> dict[str, templates.CheckovReport]:
    jobs = {name: (templates.checkov_report, path) for name, path in TEMPLATES.items()}
    jobs["policies"] = (lint.checkov_policies, DOCS)
    weak = {name: (layer, doc) for name, (layer, doc, _) in WEAK.items()}
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(fn, arg) for name, (fn, arg) in jobs.items()}
        futures["weak"] = pool.submit(lint.checkov_policies, weak, skips=WEAK_SKIPS)
        return {name: f.result() for name, f in futures.items()}


def _template(path: Path) -> dict:

    return templates.load(path)


def _declared_skips(path: Path) -> set[tuple[str, str]]:
    """(check id, logical id) of every `Metadata: checkov: skip:` entry in a template, each with a reason."""
    out = set()
    for logical_id, res in _template(path)["Resources"].items():
        for skip in res.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert len(skip.get("comment", "")) > 20, f"{logical_id}: skip {skip['id']} needs its reason"
            out.add((skip["id"], logical_id))
    return out


def _ids(findings) -> set[tuple[str, str]]:
    return {(f.check_id, f.resource.rsplit(".", 1)[-1]) for f in findings}


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_templates_pass_checkov_beyond_documented_skips(reports, name):
    report = reports[name]
    assert report.version == _pinned_version()
    assert report.failed == (), "\n".join(map(str, report.failed))
    assert report.passed > 0
    # Every skip in the template is one checkov ran (no stale or misspelt ids), with its reason.
    assert _ids(report.skipped) == _declared_skips(TEMPLATES[name])
    assert all(f.comment for f in report.skipped)


def test_registration_api_keeps_an_access_log(reports):
    """CKV_AWS_95 was a real finding (a public, unauthenticated API without access logs): fixed, not skipped."""
    assert ("CKV_AWS_95", "PortalApi") not in _ids(reports["registration"].skipped)
    template = _template(TEMPLATES["registration"])
    settings = template["Resources"]["PortalApi"]["Properties"]["AccessLogSettings"]
    assert "PortalAccessLogs" in str(settings["DestinationArn"]) and "$context.identity.sourceIp" in settings["Format"]
    assert template["Resources"]["PortalAccessLogs"]["Properties"]["RetentionInDays"] == 30


def test_policies_pass_checkov(reports):
    report = reports["policies"]
    assert report.resource_count == len(DOCS)
    assert report.failed == (), "\n".join(map(str, report.failed))
    assert _ids(report.skipped) == {(i, lint._logical_id(n)) for n, (layer, _) in DOCS.items()
                                    for i in lint.POLICY_SKIPS.get(layer, {})}
    # The identity policy and the key policy are what checkov's CloudFormation checks cover.
    assert report.passed >= 7


@pytest.mark.parametrize("name", sorted(WEAK))
def test_checkov_catches_weak_documents(reports, name):
    """The tests above can fail: each weak document fails the check it should (unless skipped)."""
    layer, _, expected = WEAK[name]
    failed = {i for i, res in _ids(reports["weak"].failed) if res == lint._logical_id(name)}
    skipped = {i for i, res in _ids(reports["weak"].skipped) if res == lint._logical_id(name)}
    assert expected <= failed | skipped, failed
    assert skipped == set(WEAK_SKIPS.get(layer, {}))


def test_a_skip_carries_its_reason(reports):
    (skip,) = [f for f in reports["weak"].skipped if f.resource.endswith(".OpenKey")]
    assert skip.check_id == "CKV_AWS_33" and skip.comment == WEAK_SKIPS["kms-key"]["CKV_AWS_33"]


def _pinned_version() -> str:
    pins = [line for line in (ROOT / "requirements-checkov.lock").read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[A-Za-z0-9_.+\-]+", p) for p in pins), "pin every package exactly"
    return next(p.split("==")[1] for p in pins if p.lower().startswith("checkov=="))


def test_missing_tool_venv_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setenv(templates.CHECKOV_ENV, str(tmp_path / "no-checkov"))
    with pytest.raises(templates.CheckovMissing, match="make env"):
        templates.checkov(TEMPLATES["registration"])
