"""The labs of the workshop, one room each, and the one registry that lists them.

A room is a folder under `labs/` named after its topic. It holds everything
the lab owns: its helpers (Python modules), the code it ships to AWS
(functions, training and inference scripts, templates, Dockerfiles), the
source of each of its notebooks (`NN_name.py`, built into
`notebooks/NN_name.ipynb`), each notebook's guide (`NN_name.md`) and its
`footprint.py` for the cleanup rehearsal. Shared pieces (session, emulator,
resource kinds, templates, archives, reporting) live in `helpers/`; a lab
imports only public names of another lab, never private ones.

`LABS` is the registry: the main job runs its notebooks in order, the cleanup
rehearsal runs its footprints, and the tests check that every entry has its
notebook, source, guide, footprint and nbval outputs, and that every resource
kind it declares is one the resource registry can list and delete. Numbers
are two digits; `99` is the cleanup and stays last, so a new lab takes a free
number below it and never renumbers another. See CONTRIBUTING.md.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
CLEANUP_NUMBER = "99"

Kind = tuple[str, str]  # (service, kind), as in helpers.resources


@dataclass(frozen=True)
class Lab:
    number: str
    name: str
    room: str
    title: str
    #: "module:function" building the lab's resources in local mode for the cleanup rehearsal, or None for a
    #: lab that creates nothing (then `kinds` must be empty).
    footprint: str | None = None
    #: The resource kinds the lab creates; each must be registered in helpers.resources.
    kinds: tuple[Kind, ...] = ()

    @property
    def stem(self) -> str:
        return f"{self.number}_{self.name}"

    @property
    def folder(self) -> Path:
        return ROOT / "labs" / self.room

    @property
    def notebook(self) -> Path:
        return ROOT / "notebooks" / f"{self.stem}.ipynb"

    @property
    def source(self) -> Path:
        """The notebook's one source of truth (cells as Python data, see helpers.notebooks)."""
        return self.folder / f"{self.stem}.py"

    @property
    def guide(self) -> Path:
        return self.folder / f"{self.stem}.md"

    def footprint_builder(self) -> Callable | None:
        if self.footprint is None:
            return None
        module, _, function = self.footprint.partition(":")
        return getattr(importlib.import_module(module), function)


_SAGEMAKER_JOB = (("sagemaker", "training-job"), ("s3", "bucket"))

LABS: tuple[Lab, ...] = (
    Lab("00", "preflight", "preflight", "Preflight: is this account ready?"),
    Lab("01", "multi_user_event", "deepracer_event", "A DeepRacer event on DeepRacer on AWS",
        footprint="labs.deepracer_event.footprint:build",
        kinds=(("cloudformation", "stack"), ("secretsmanager", "secret"), ("iam", "role"),
               ("sso-admin", "permission-set"), ("identitystore", "group"), ("dynamodb", "table"),
               ("budgets", "budget"), ("cloudwatch", "alarm"))),
    Lab("02", "registering_racers", "registration", "Registering racers",
        footprint="labs.registration.footprint:build",
        kinds=(("dynamodb", "table"), ("sqs", "queue"), ("iam", "role"), ("lambda", "function"),
               ("lambda", "event-source-mapping"), ("apigatewayv2", "http-api"), ("logs", "log-group"),
               ("identitystore", "user"), ("identitystore", "group-membership"), ("identitystore", "group"),
               ("sso-admin", "permission-set"))),
    Lab("03", "fine_tune_summarizer", "summarizer", "Fine-tune a summarizer",
        footprint="labs.summarizer.footprint:training_job", kinds=_SAGEMAKER_JOB),
    Lab("04", "deploy_summarizer", "summarizer", "Deploy the summarizer",
        footprint="labs.summarizer.footprint:endpoint",
        kinds=(("sagemaker", "model"), ("sagemaker", "endpoint-config"), ("sagemaker", "endpoint"))),
    Lab("05", "qa_on_lambda", "qa_lambda", "Question answering on Lambda",
        footprint="labs.qa_lambda.footprint:build",
        kinds=(("ecr", "repository"), ("lambda", "function"), ("apigatewayv2", "http-api"), ("iam", "role"),
               ("logs", "log-group"))),
    Lab("06", "secure_environment", "secure_environment", "A secure ML environment",
        footprint="labs.secure_environment.footprint:build",
        kinds=(("ec2", "vpc"), ("ec2", "subnet"), ("ec2", "route-table"), ("ec2", "security-group"),
               ("ec2", "vpc-endpoint"), ("kms", "key"), ("s3", "bucket"), ("iam", "role"), ("iam", "policy"),
               ("sagemaker", "notebook-lifecycle-config"), ("sagemaker", "experiment"), ("sagemaker", "trial"),
               ("sagemaker", "trial-component"), ("sagemaker", "notebook-instance"), ("sagemaker", "domain"),
               ("sagemaker", "user-profile"), ("sagemaker", "app"), ("efs", "file-system"),
               ("events", "rule"), ("lambda", "function"), ("dynamodb", "table"), ("logs", "log-group"),
               ("sagemaker", "training-job"))),
    Lab("07", "reward_practice_track", "practice_track", "A reward-function practice track"),
    Lab(CLEANUP_NUMBER, "cleanup", "cleanup", "Cleaning up"),
)


def by_number(number: str) -> Lab:
    for lab in LABS:
        if lab.number == number:
            return lab
    raise KeyError(f"no lab numbered {number!r}; known: {', '.join(l.number for l in LABS)}")


def rooms() -> list[str]:
    return sorted({lab.room for lab in LABS})
