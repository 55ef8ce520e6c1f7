"""Validating CloudFormation/SAM templates offline.

A template that cannot be deployed here is still checked: cfn-lint for the
CloudFormation rules, and the SAM translator for what `Transform:
AWS::Serverless-2016-10-31` would expand it into.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


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

    from .registration.stack import _CfnLoader
    import yaml

    class NoManagedPolicies:
        def load(self):
            return {}

    template = yaml.load(Path(path).read_text(), Loader=_CfnLoader)
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
