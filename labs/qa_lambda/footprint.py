"""Lab 05's footprint for the cleanup rehearsal: an image function behind an HTTP API (a tiny handler)."""
from __future__ import annotations

import tempfile
from pathlib import Path

from helpers.resources.footprint import Footprint
from labs.qa_lambda import image_function

IMAGE_APP = '''
import json
def handler(event, context):
    body = json.loads(event.get("body") or "{}")
    return {"statusCode": 200, "body": json.dumps({"answer": body.get("question", "")[:20]})}
'''


def build(session, event: str, fp: Footprint) -> None:
    """ECR repository, container-image function and HTTP API, through the lab's local deployment path."""
    staged = Path(tempfile.mkdtemp(prefix="cleanup-image-"))
    (staged / "app.py").write_text(IMAGE_APP)
    service = image_function.deploy_local(session, name=f"{event}-qa", staged=staged, memory=512, timeout=30)
    fp.add("05", f"ECR repository, image function and HTTP API {service.function}", "image_function.deploy_local")
