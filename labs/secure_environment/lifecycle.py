"""The notebook operating-system policy: no root for data scientists.

SageMaker enforces it with `RootAccess="Disabled"` on the notebook instance (the
`sagemaker:RootAccess` condition key makes it mandatory, see `policies`). The project's
lifecycle configuration adds an on-start script that runs as root before the user arrives:
it removes any sudo rule left for `ec2-user` and points pip at the project's private package
repository when one is configured, so packages come from a reviewed source through the VPC.

This module also creates the lab's notebook instances (a compliant one, and on purpose a
non-compliant one for the corrective control to catch).
"""
from __future__ import annotations

import base64
import time

from botocore.exceptions import ClientError

from labs.secure_environment.project import Scope

ON_START = """#!/bin/bash
# Lifecycle configuration of project {project}: runs as root each time the instance starts.
set -euo pipefail
# 1. No root for the notebook user (RootAccess=Disabled does this too; keep it true if the flag is ever flipped).
for f in /etc/sudoers.d/*; do
  if grep -q "ec2-user" "$f"; then rm -f "$f"; fi
done
# 2. Packages only from the project's private repository (through the VPC), when one is configured.
PIP_INDEX_URL="{pip_index_url}"
if [ -n "$PIP_INDEX_URL" ]; then
  mkdir -p /home/ec2-user/.config/pip
  printf "[global]\\nindex-url = %s\\n" "$PIP_INDEX_URL" > /home/ec2-user/.config/pip/pip.conf
  chown -R ec2-user:ec2-user /home/ec2-user/.config
fi
echo "project {project}: root access removed, package index ${{PIP_INDEX_URL:-unchanged}}"
"""


def on_start_script(project: str, pip_index_url: str = "") -> str:
    return ON_START.format(project=project, pip_index_url=pip_index_url)


def ensure_lifecycle_config(session, scope: Scope, *, pip_index_url: str = "") -> str:
    """Create the project's lifecycle configuration (or bring its script up to date); returns its name."""
    sm = session.client("sagemaker")
    name = scope.name("no-root")
    content = [{"Content": base64.b64encode(on_start_script(scope.project, pip_index_url).encode()).decode()}]
    try:
        current = sm.describe_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=name)
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in ("ValidationException", "ResourceNotFound"):
            raise
        sm.create_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=name, OnStart=content,
                                                     Tags=scope.tag_list)
        return name
    if current.get("OnStart") != content:
        try:
            sm.update_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=name, OnStart=content)
        except ClientError as exc:  # the local emulator has no Update: replace it
            if exc.response["Error"]["Code"] != "NotImplemented":
                raise
            sm.delete_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=name)
            sm.create_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=name, OnStart=content,
                                                         Tags=scope.tag_list)
    return name


def create_notebook_instance(session, scope: Scope, name: str, *, role_arn: str, instance_type: str = "ml.t3.medium",
                             subnet_id: str | None = None, security_group_ids: list[str] | None = None,
                             kms_key_id: str | None = None, lifecycle_config: str | None = None,
                             root_access: str = "Disabled", direct_internet: str = "Disabled",
                             replace: bool = True) -> str:
    """Create a notebook instance (replacing an earlier one of the same name when `replace`:
    each run of the lab shows the controls acting on a new instance). Returns its ARN."""
    sm = session.client("sagemaker")
    if replace:
        delete_notebook_instance(session, name)
    kwargs: dict = {"NotebookInstanceName": name, "InstanceType": instance_type, "RoleArn": role_arn,
                    "RootAccess": root_access, "DirectInternetAccess": direct_internet, "VolumeSizeInGB": 5,
                    "Tags": scope.tag_list}
    if subnet_id:
        kwargs.update(SubnetId=subnet_id, SecurityGroupIds=list(security_group_ids or []))
    if kms_key_id:
        kwargs["KmsKeyId"] = kms_key_id
    if lifecycle_config:
        kwargs["LifecycleConfigName"] = lifecycle_config
    return sm.create_notebook_instance(**kwargs)["NotebookInstanceArn"]


def delete_notebook_instance(session, name: str, *, timeout: float = 900) -> bool:
    """Stop (if needed) and delete a notebook instance, waiting until it is gone. False if there was none."""
    sm = session.client("sagemaker")
    poll = 1 if session.local else 15
    end = time.time() + timeout
    while True:
        try:
            status = sm.describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceStatus"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("ValidationException", "ResourceNotFound"):
                return True
            raise
        if status in ("InService",):
            sm.stop_notebook_instance(NotebookInstanceName=name)
        elif status in ("Stopped", "Failed"):
            sm.delete_notebook_instance(NotebookInstanceName=name)
        if time.time() > end:
            raise TimeoutError(f"notebook instance {name} still {status} after {timeout:.0f} s")
        time.sleep(poll if status not in ("Stopped", "Failed") else 0.2)


def read_back(session, name: str) -> dict:
    """What the instance really got: root access, internet, network, key, lifecycle script."""
    sm = session.client("sagemaker")
    d = sm.describe_notebook_instance(NotebookInstanceName=name)
    lc = d.get("NotebookInstanceLifecycleConfigName")
    script = ""
    if lc:
        on_start = sm.describe_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName=lc).get("OnStart", [])
        script = base64.b64decode(on_start[0]["Content"]).decode() if on_start else ""
    return {"notebook instance": name, "RootAccess": d.get("RootAccess", "Enabled"),
            "DirectInternetAccess": d.get("DirectInternetAccess", ""), "in VPC subnet": bool(d.get("SubnetId")),
            "KMS key on the volume": bool(d.get("KmsKeyId")), "lifecycle config": lc or "(none)",
            "on-start script": script}
