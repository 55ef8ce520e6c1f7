"""Local mode: rebuild every lab's footprint, so the cleanup has real work to do.

Each notebook runs in a fresh kernel with its own embedded runtime, so the
cleanup notebook alone in local mode starts from an empty account. Rather
than pretend, it first builds what the labs build, **with the labs' own
helpers**: each lab of the registry (`labs.LABS`) that creates resources has
a `footprint.py` in its room, and this module runs them in lab order.

| Lab | What | How |
|---|---|---|
| 01 | admin role, racer group, permission set + assignment, event config, budget, alarm | `identity.setup_event_identity`, `event.save_config`, `spend.ensure_budget`, `spend.ensure_spend_alarm` |
| 02 | registration stack (tables + stream, queue, role, 2 functions, mapping, HTTP API) and two registered racers (identity-store users and memberships) | `registration.lab.prepare`, `roster.register_via_api`, `stack.wait_until_processed` |
| 03 | a (tiny) training job | boto3 `CreateTrainingJob` in script mode (the lab's `ModelTrainer` would train a real model) |
| 04 | model, endpoint config, endpoint (a tiny artifact with an `inference.py`) | `deploy.deploy` |
| 05 | ECR repository, container-image function, HTTP API | `image_function.deploy_local` |
| 06 | the secure project: VPC, private subnets, route table, security groups, VPC endpoints, KMS key, versioned encrypted buckets (one with a VPC-endpoint-only policy), data-scientist role + customer policies, lifecycle config, corrective control (EventBridge rule -> function -> table); object versions and a delete marker; experiment, trial and trial component; a notebook instance | `project.provision`, `lineage.upload_dataset`/`record_run`, `lifecycle.create_notebook_instance` |
| 06 | a Studio domain in the project's VPC (the lab uses notebook instances; the cleanup handles domains too) | boto3 `CreateDomain` |
"""
from __future__ import annotations

import time
from dataclasses import replace
from typing import Iterable

from helpers.resources.footprint import Footprint
from helpers.tagging import workshop_tags
from labs import LABS, Lab
from labs.secure_environment.footprint import secure_project_name

__all__ = ["Footprint", "recreate", "secure_project_name"]


def recreate(session, event: str, *, labs: Iterable[Lab] = LABS, **options) -> Footprint:
    """Build the labs' footprint for `event` in the local runtime (idempotent where the labs' helpers are).

    `options` go to the builders that take them (e.g. `racers=` for lab 02)."""
    if not getattr(session, "local", False):
        raise RuntimeError("recreate() is for local mode: in aws mode the cleanup works on what the labs "
                           "really created, and recreating it would cost money")
    if session.tags != workshop_tags(event):
        session = replace(session, tags=workshop_tags(event))  # everything carries this event's tags
    started = time.time()
    fp = Footprint(event)
    for lab in labs:
        build = lab.footprint_builder()
        if build is None:
            continue
        accepted = {k: v for k, v in options.items() if k in build.__code__.co_varnames}
        build(session, event, fp, **accepted)
    fp.seconds = round(time.time() - started, 1)
    return fp
