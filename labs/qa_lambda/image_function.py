"""A Lambda function from a container image, in both modes.

aws mode: the image is built and pushed with Docker (`sam build && sam
deploy`, printed by `build_commands`) from a machine that has Docker; the
notebook then calls the deployed URL. local mode: there is no Docker engine,
so the runtime runs the image's code directly from a staging folder laid out
exactly as the Dockerfile lays out the image (`app.py` + `model/`), after
`check_dockerfile` has confirmed the Dockerfile copies those same files.
ECR, the function (PackageType Image, memory, timeout) and the HTTP API
route are created through the real APIs, so the URL works with curl.
"""
from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

LAMBDA_BASE = "public.ecr.aws/lambda/python"


@dataclass
class ImageService:
    function: str
    image_uri: str
    url: str
    api_id: str
    repository: str


#: What the image is built from: app.py, Dockerfile, requirements.txt, the SAM template.
IMAGE_DIR = Path(__file__).resolve().with_name("image")


def stage(source_dir: Path, model_dir: Path, target: Path) -> Path:
    """The image's file system: the handler and its files, with the model under model/.

    When the model folder holds the int8 ONNX export, the fp32 export (an
    intermediate of the quantizer, as large as the weights) stays behind: the
    image should carry only what the handler loads."""
    target = Path(target)
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source_dir, target, ignore=shutil.ignore_patterns("__pycache__", "model", ".aws-sam"))
    skip = ["DONE", "*.tmp*"] + (["model.onnx"] if (Path(model_dir) / "model.int8.onnx").is_file() else [])
    shutil.copytree(model_dir, target / "model", ignore=shutil.ignore_patterns(*skip))
    return target


def check_dockerfile(folder: Path) -> list[str]:
    """What can be checked without Docker: base image, copied files exist, handler exists.

    Returns the problems found (empty when the Dockerfile is consistent)."""
    folder = Path(folder)
    text = (folder / "Dockerfile").read_text()
    problems = []
    froms = re.findall(r"^FROM\s+(\S+)", text, re.M)
    if not froms or not froms[-1].startswith(LAMBDA_BASE):
        problems.append(f"the final image should start FROM {LAMBDA_BASE}:<version> (found {froms})")
    for src in re.findall(r"^COPY\s+(?:--\S+\s+)*(\S+)\s+\S+", text, re.M):
        if not (folder / src).exists():
            problems.append(f"COPY source {src} does not exist in {folder.name}/")
    cmd = re.findall(r'^CMD\s+\[\s*"([^"]+)"\s*\]', text, re.M)
    if not cmd:
        problems.append("no CMD [\"module.handler\"]")
    else:
        module, _, func = cmd[-1].rpartition(".")
        path = folder / f"{module}.py"
        if not path.exists() or not re.search(rf"^def {re.escape(func)}\(", path.read_text(), re.M):
            problems.append(f"CMD names {cmd[-1]} but {module}.py has no function {func}")
    return problems


def build_commands(folder: Path, function: str) -> list[str]:
    return [f"cd {folder}", "sam build", f"sam deploy --guided --stack-name {function} --resolve-image-repos"]


def deploy_local(session, *, name: str, staged: Path, handler: str = "app.handler", memory: int = 5000,
                 timeout: int = 300, env: dict | None = None, api_timeout_ms: int = 29000) -> ImageService:
    """ECR repository + image record, image function, HTTP API: the local twin of the SAM stack."""
    if session.runtime is None:
        raise RuntimeError("deploy_local is for local mode; in aws mode run the build_commands")
    ecr, lam, apigw = session.client("ecr"), session.client("lambda"), session.client("apigatewayv2")
    try:
        repo = ecr.create_repository(repositoryName=name, imageScanningConfiguration={"scanOnPush": True},
                                     tags=session.tag_list)["repository"]
    except ecr.exceptions.RepositoryAlreadyExistsException:
        repo = ecr.describe_repositories(repositoryNames=[name])["repositories"][0]
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 0,
                           "digest": "sha256:" + "0" * 64}, "layers": []}
    try:
        ecr.put_image(repositoryName=name, imageManifest=json.dumps(manifest), imageTag="latest")
    except ecr.exceptions.ImageAlreadyExistsException:
        pass
    image_uri = f"{repo['repositoryUri']}:latest"
    session.runtime.lambdas.register_image(image_uri, staged, handler)
    try:
        lam.delete_function(FunctionName=name)
    except lam.exceptions.ResourceNotFoundException:
        pass
    fn = lam.create_function(FunctionName=name, PackageType="Image", Code={"ImageUri": image_uri},
                             Role=session.role_arn, MemorySize=memory, Timeout=timeout,
                             Environment={"Variables": env or {}}, Tags=session.tags)
    for api in apigw.get_apis().get("Items", []):
        if api["Name"] == name:
            apigw.delete_api(ApiId=api["ApiId"])
    api = apigw.create_api(Name=name, ProtocolType="HTTP", Tags=session.tags)
    integ = apigw.create_integration(ApiId=api["ApiId"], IntegrationType="AWS_PROXY",
                                     IntegrationUri=fn["FunctionArn"], PayloadFormatVersion="2.0",
                                     TimeoutInMillis=api_timeout_ms)
    apigw.create_route(ApiId=api["ApiId"], RouteKey="POST /inference", Target=f"integrations/{integ['IntegrationId']}")
    apigw.create_stage(ApiId=api["ApiId"], StageName="$default", AutoDeploy=True)
    return ImageService(name, image_uri, api["ApiEndpoint"], api["ApiId"], name)


def remove_local(session, service: ImageService) -> None:
    session.client("apigatewayv2").delete_api(ApiId=service.api_id)
    session.client("lambda").delete_function(FunctionName=service.function)
    session.client("ecr").delete_repository(repositoryName=service.repository, force=True)


def force_cold_start(session, function: str) -> None:
    """A configuration change retires the warm environments, as on Lambda."""
    lam = session.client("lambda")
    env = lam.get_function_configuration(FunctionName=function).get("Environment", {}).get("Variables", {})
    env["COLD_START_MARKER"] = str(int(env.get("COLD_START_MARKER", "0")) + 1)
    lam.update_function_configuration(FunctionName=function, Environment={"Variables": env})
