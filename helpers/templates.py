"""Validating CloudFormation/SAM templates offline.

A template that cannot be deployed here is still checked: cfn-lint for the
CloudFormation rules, the SAM translator for what `Transform:
AWS::Serverless-2016-10-31` would expand it into, and checkov for security
misconfigurations (it runs from its own tool venv, `.venv-checkov`, made by
`make env`: its pins are older than the workshop's).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from helpers.config import CHECKOV_VARIABLE, Config

ROOT = Path(__file__).resolve().parent.parent
#: The checkov executable: the configuration's (`WORKSHOP_CHECKOV`, see helpers.config) if set, else the
#: repository's tool venv.
CHECKOV_ENV = CHECKOV_VARIABLE
CHECKOV_DEFAULT = ROOT / ".venv-checkov" / "bin" / "checkov"


class CfnLoader(yaml.SafeLoader):
    """YAML loader that keeps CloudFormation short-form tags (!Ref, !Sub...) as plain data."""


def _cfn_tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    return {name: value}


CfnLoader.add_multi_constructor("!", _cfn_tag)


def load(path: str | Path) -> dict:
    """A CloudFormation/SAM template as data (short-form tags become their long form)."""
    return yaml.load(Path(path).read_text(), Loader=CfnLoader)


def lint(path: str | Path) -> list[str]:
    """cfn-lint findings (empty when clean)."""
    exe = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run([str(exe), "--format", "parseable", str(path)], capture_output=True, text=True)
    return [line for line in result.stdout.splitlines() if line.strip()]


def expand(path: str | Path, parameters: dict | None = None, image_uri: str | None = None) -> dict:
    """The CloudFormation the SAM transform produces (raises with every cause if invalid).

    Image functions get their ImageUri from `sam build`; pass `image_uri` to
    stand in for that step."""
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.translator.transform import transform

    class NoManagedPolicies:
        def load(self):
            return {}

    template = load(path)
    for res in template.get("Resources", {}).values():
        props = res.get("Properties", {})
        if res.get("Type") == "AWS::Serverless::Function" and props.get("PackageType") == "Image":
            props.setdefault("ImageUri", image_uri or "123456789012.dkr.ecr.us-east-1.amazonaws.com/qa:latest")
    params = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws",
              **(parameters or {})}
    saved = os.environ.get("AWS_DEFAULT_REGION")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    try:
        return transform(template, params, NoManagedPolicies())
    except InvalidDocumentException as exc:
        raise ValueError("; ".join(str(c) for c in exc.causes)) from None
    finally:
        if saved is None:
            os.environ.pop("AWS_DEFAULT_REGION", None)


def resource_types(expanded: dict) -> list[str]:
    return sorted({r["Type"] for r in expanded.get("Resources", {}).values()})


# --------------------------------------------------------------------------- checkov

class CheckovMissing(RuntimeError):
    """The checkov tool venv is not installed."""


@dataclass(frozen=True)
class Finding:
    """One checkov check result for one resource."""

    check_id: str            # CKV_AWS_...
    check_name: str
    resource: str            # "<Type>.<LogicalId>", e.g. "AWS::SQS::Queue.ProvisionFailures"
    lines: tuple[int, int]   # first and last line of the resource in the file
    guideline: str | None = None
    comment: str | None = None  # the reason given for a skip

    def __str__(self) -> str:
        return f"{self.check_id} {self.resource} (lines {self.lines[0]}-{self.lines[1]}): {self.check_name}"


@dataclass(frozen=True)
class CheckovReport:
    failed: tuple[Finding, ...]
    skipped: tuple[Finding, ...]   # skipped in the template (Metadata: checkov: skip), with their reasons
    passed: int
    resource_count: int
    version: str | None


def checkov_executable() -> Path:
    """Where checkov is (raises `CheckovMissing`, saying how to install it, if it is not there)."""
    exe = Config.from_env().checkov or CHECKOV_DEFAULT
    if not (exe.is_file() and os.access(exe, os.X_OK)):
        raise CheckovMissing(f"checkov not found at {exe}: run `make env` (it creates the pinned tool venv "
                             f".venv-checkov from requirements-checkov.lock), or set {CHECKOV_ENV} to a checkov "
                             "executable")
    return exe


def _finding(check: dict) -> Finding:
    first, last = (list(check.get("file_line_range") or [0, 0]) + [0, 0])[:2]
    suppress = check.get("check_result", {}).get("suppress_comment")
    return Finding(check["check_id"], check.get("check_name", ""), check.get("resource", ""), (first, last),
                   check.get("guideline"), suppress)


def checkov_report(path: str | Path, *, framework: str = "cloudformation", skip: tuple[str, ...] = (),
                   timeout: float = 300) -> CheckovReport:
    """Run checkov on one file, offline (no download of Prisma Cloud guidelines, no update check).

    `skip` names check ids not to run at all; skips with a reason belong in the template
    (`Metadata: checkov: skip: [{id, comment}]`), where they come back in `skipped`."""
    exe = checkov_executable()
    path = Path(path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"no template at {path}")
    # Run from the file's folder and name only the file: checkov's parser stores the path it was
    # given in every mapping (`__file__`), and CKV_AWS_45 scans a Lambda environment's values for
    # secrets, that one included; some absolute paths look like secrets to it.
    cmd = [str(exe), "-f", path.name, "--framework", framework, "-o", "json", "--compact", "--skip-download"]
    if skip:
        cmd += ["--skip-check", ",".join(skip)]
    env = {**os.environ, "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE",
           "LOG_LEVEL": "ERROR"}
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=path.parent)
    # Exit 0: nothing failed; 1: something failed. Anything else, or no JSON, is checkov failing.
    try:
        data = json.loads(result.stdout) if result.returncode in (0, 1) else None
    except json.JSONDecodeError:
        data = None
    if data is None:
        raise RuntimeError(f"checkov failed on {path} (exit {result.returncode}): "
                           f"{(result.stderr or result.stdout).strip()[-2000:]}")
    reports = data if isinstance(data, list) else [data]
    failed: list[Finding] = []
    skipped: list[Finding] = []
    passed = resources = 0
    version = None
    for report in reports:
        summary = report.get("summary", report)  # a file with no resources gets a bare summary
        passed += summary.get("passed", 0)
        resources += summary.get("resource_count", 0)
        version = summary.get("checkov_version", version)
        results = report.get("results", {})
        failed += [_finding(c) for c in results.get("failed_checks", [])]
        skipped += [_finding(c) for c in results.get("skipped_checks", [])]
    if resources == 0:
        raise RuntimeError(f"checkov found no {framework} resources in {path}")
    return CheckovReport(tuple(failed), tuple(skipped), passed, resources, version)


def checkov(path: str | Path, *, framework: str = "cloudformation", skip: tuple[str, ...] = ()) -> list[Finding]:
    """checkov's failed checks for a template (empty when clean); see `checkov_report`."""
    return list(checkov_report(path, framework=framework, skip=skip).failed)
