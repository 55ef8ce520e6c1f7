"""Container-image functions run locally from the image's staged file system."""
from __future__ import annotations

from pathlib import Path

import requests

from labs.qa_lambda import image_function as imf

APP = '''
import json, os
WORD = open(os.path.join(os.path.dirname(__file__), "model", "answer.txt")).read().strip()
def handler(event, context):
    body = json.loads(event.get("body") or "{}")
    return {"statusCode": 200, "body": json.dumps({"Question": body.get("question"), "Answer": WORD})}
'''
DOCKERFILE = ('FROM public.ecr.aws/lambda/python:3.11\nCOPY model/ ${LAMBDA_TASK_ROOT}/model/\n'
              'COPY app.py ${LAMBDA_TASK_ROOT}/\nCMD ["app.handler"]\n')


def _source(tmp_path: Path) -> tuple[Path, Path]:
    src, model = tmp_path / "src", tmp_path / "model"
    src.mkdir()
    model.mkdir()
    (src / "app.py").write_text(APP)
    (src / "Dockerfile").write_text(DOCKERFILE)
    (model / "answer.txt").write_text("1886")
    return src, model


def test_dockerfile_checks(tmp_path):
    src, model = _source(tmp_path)
    staged = imf.stage(src, model, tmp_path / "image")
    assert imf.check_dockerfile(staged) == []
    (staged / "Dockerfile").write_text(DOCKERFILE.replace("python:3.11", "python:3.11").replace(
        "app.handler", "missing.handler").replace("FROM public.ecr.aws/lambda/python:3.11", "FROM ubuntu:24.04"))
    problems = imf.check_dockerfile(staged)
    assert any("FROM public.ecr.aws/lambda/python" in p for p in problems)
    assert any("missing.handler" in p for p in problems)


def test_image_function_behind_an_http_api(session, tmp_path, unique):
    src, model = _source(tmp_path)
    staged = imf.stage(src, model, tmp_path / "image")
    svc = imf.deploy_local(session, name=f"qa-{unique}", staged=staged, memory=1024, timeout=30)
    conf = session.client("lambda").get_function_configuration(FunctionName=svc.function)
    assert conf["PackageType"] == "Image" and conf["MemorySize"] == 1024
    repo = session.client("ecr").describe_repositories(repositoryNames=[svc.repository])["repositories"][0]
    assert repo["imageScanningConfiguration"]["scanOnPush"] is True
    r = requests.post(svc.url + "/inference", json={"question": "When?", "context": "..."}, timeout=30)
    assert r.status_code == 200 and r.json() == {"Question": "When?", "Answer": "1886"}
    imf.force_cold_start(session, svc.function)
    requests.post(svc.url + "/inference", json={"question": "Again?"}, timeout=30)
    runs = [h for h in session.runtime.lambdas.history if h["function"] == svc.function]
    assert [h["cold"] for h in runs] == [True, True]
    imf.remove_local(session, svc)
    assert svc.function not in [f["FunctionName"] for f in session.client("lambda").list_functions()["Functions"]]
