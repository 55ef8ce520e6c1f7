"""Source of notebooks/05_qa_on_lambda.ipynb (see helpers.notebooks): edit here, then `make notebooks`."""
from helpers.notebooks import code, md

cells = [
md("""
# 05 · Question answering on AWS Lambda (container image) behind an HTTP API

**What you will build.** An extractive question-answering service: POST `/inference` with
`{"question": ..., "context": ...}` and get back `{"Question": ..., "Answer": ..., "score", "start", "end"}`. The
handler (`labs/qa_lambda/image/app.py`) runs in a **Lambda container image** with the model baked in (`image/Dockerfile` beside it),
deployed with a SAM template (`image/template.yaml`: 5,000 MB, 300 s timeout, HTTP API route with a 29 s
integration timeout, optional provisioned concurrency and keep-warm schedule). Long documents are read with
sliding windows, so an answer near the end is found; bad input gets a 400 with a message. You then measure cold
starts and warm latency.

**Models without a hub.** The reference model is `distilbert-base-uncased-distilled-squad`. Offline the same code
fine-tunes the packaged MiniLM encoder on the workshop's own SQuAD-format data (`data/qa/`) and caches it.

**How long:** 20–30 minutes. **What it costs (aws mode):** Lambda at 5 GB is about $0.00008 per second of
inference; an ECR repository of a few GB about $0.10 per GB-month; provisioned concurrency, if you turn it on,
bills while it exists.
"""),
md("## Parameters"),
code("""
MODE = "auto"
PROFILE = "auto"     # "quick" (small runs, as CI), "full", or "auto": WORKSHOP_PROFILE, else full
EVENT = "summit-cup"
BASE_MODEL = "offline"        # or "distilbert-base-uncased-distilled-squad" where a model hub is reachable
FUNCTION = "qa-inference"
QA_URL = ""                   # aws mode: the PortalUrl/ApiUrl output of `sam deploy` (see section 3)
WARM_CALLS = 0                # 0: 30 in the quick profile, 200 otherwise
""", "parameters"),
code("""
import json
import statistics
import time
from pathlib import Path

import matplotlib.pyplot as plt
import requests

from helpers import get_session, report, templates
from labs.qa_lambda import image_function, model as qa

session = get_session(MODE, event=EVENT, profile=PROFILE)
WARM_CALLS = WARM_CALLS or (30 if session.config.quick else 200)
print(f"mode: {session.mode}, region: {session.region}")
"""),
md("""
## 1. The model
Trained once and cached by a hash of data, settings and code: re-running this cell is instant.
"""),
code("""
settings = qa.QUICK if session.config.quick else qa.FULL
model_dir = qa.train_qa(BASE_MODEL, cache_dir=session.config.model_cache, **settings)
print("model:", model_dir.name)
"""),
md("""
### Export for serving: ONNX Runtime, int8
PyTorch is a large dependency to import at every cold start. The trained model is exported to ONNX and its weights
quantized to 8-bit integers (dynamic quantization: activations stay in floating point). The handler then needs only
`onnxruntime` and `tokenizers`: a tenth of the image, a much shorter cold start, faster answers. `app.py` picks the
export automatically when the model folder holds one (`QA_BACKEND=auto`).
"""),
code("""
onnx_file = qa.export_onnx(model_dir)
print(f"{onnx_file.name}: {onnx_file.stat().st_size / 1e6:.0f} MB "
      f"(PyTorch weights: {(model_dir / 'model.safetensors').stat().st_size / 1e6:.0f} MB)")
"""),
md("""
How good is it? SQuAD exact match and F1 on the dev split (questions the model never saw), for the PyTorch model and
its int8 export, and on **long documents**: every dev question asked of its paragraph hidden among 8 paragraphs from
other articles, so the handler must find the right window out of several.
"""),
code("""
limit = 60 if session.config.quick else None
scores = qa.evaluate_qa(model_dir, split="dev", limit=limit)
onnx_scores = qa.evaluate_qa(qa.load(model_dir, backend="onnx"), split="dev", limit=limit)
long_scores = qa.evaluate_qa(qa.load(model_dir, backend="onnx"), split="dev", limit=limit, distractors=8)
columns = ("exact_match", "f1", "count", "seconds")
report.table([{"model": "PyTorch, one paragraph", **{k: scores[k] for k in columns}},
              {"model": "ONNX int8, one paragraph", **{k: onnx_scores[k] for k in columns}},
              {"model": "ONNX int8, paragraph among 8 others", **{k: long_scores[k] for k in columns}}])
"""),
code("""
by_type = scores.get("by_type") or {}
report.table([{"question type": k, **v} for k, v in by_type.items()]) if by_type else None
"""),
md("The lab's demo question, on a paragraph about cars written for it:"),
code("""
# NBVAL_CHECK_OUTPUT
car = qa.car_context()
print(qa.answer(qa.load(model_dir), "When was the car invented?", car)["answer"])
"""),
md("""
## 2. The image and the template, checked without Docker
The image's file system is staged exactly as the Dockerfile lays it out (`app.py` + `model/`). Offline we check the
Dockerfile against it, lint the template with cfn-lint and expand it with the SAM translator.
"""),
code("""
# NBVAL_CHECK_OUTPUT
staged = image_function.stage(image_function.IMAGE_DIR, model_dir, session.runtime.state_dir / "qa-image"
                              if session.local else Path("qa_lambda_build"))
print("Dockerfile problems:", image_function.check_dockerfile(staged) or "none")
print("cfn-lint findings:  ", templates.lint(image_function.IMAGE_DIR / "template.yaml") or "none")
print("SAM expands to:     ", ", ".join(templates.resource_types(templates.expand(image_function.IMAGE_DIR / "template.yaml"))))
"""),
md("""
## 3. Deploy
* **aws mode** needs Docker to build the image (a laptop, Cloud9 or CodeBuild; Studio has none): run the commands
  printed below in `qa_lambda_build/`, then set `QA_URL` to the `ApiUrl` output and re-run from here.
* **local mode** creates the ECR repository, the image function and the HTTP API route through the same APIs; the
  runtime runs the image's code from the staged folder.
"""),
code("""
if session.local:
    service = image_function.deploy_local(session, name=FUNCTION, staged=staged)
    url = service.url
else:
    for line in image_function.build_commands(staged, FUNCTION):
        print(line)
    url = QA_URL.rstrip("/")
print("POST", url + "/inference")
"""),
md("""
## 4. Ask it
The seed's `curl` call works unchanged against the URL:
`curl -X POST <url>/inference -H 'content-type: application/json' -d '{"question": ..., "context": ...}'`
"""),
code("""
# NBVAL_CHECK_OUTPUT
r = requests.post(url + "/inference", json={"question": "When was the car invented?", "context": car}, timeout=60)
body = r.json()
print(r.status_code, {"Question": body["Question"], "Answer": body["Answer"]})
print("offsets match:", car[body["start"]:body["end"]] == body["Answer"])
"""),
md("""
### A long document
The answer sits at the end of a context far longer than the model's 256-token window; the handler slides a window
over it and keeps the span that stands out most against its own window's "not in this window" score (the model was
trained with answer-less windows so that this score means something).
"""),
code("""
# NBVAL_CHECK_OUTPUT
paragraphs = list(dict.fromkeys(r["context"] for r in qa.load_squad(Path("../data/qa/train.json"))))
filler = " ".join(paragraphs[:8])
long_context = filler + " " + car
r = requests.post(url + "/inference", json={"question": "When was the car invented?", "context": long_context},
                  timeout=60)
print(f"{len(long_context.split())} words ->", r.json()["Answer"])
"""),
md("### Bad input gets a 400 and a reason"),
code("""
# NBVAL_CHECK_OUTPUT
bad = {
    "not JSON": {"data": "question=when", "headers": {"content-type": "application/json"}},
    "not an object": {"json": ["When?", car]},
    "missing question": {"json": {"context": car}},
    "empty context": {"json": {"question": "When?", "context": "  "}},
    "question not text": {"json": {"question": 1886, "context": car}},
    "question too long": {"json": {"question": "why " * 300, "context": car}},
    "body too large": {"json": {"question": "When?", "context": "x " * 60000}},
}
rows = []
for case, kwargs in bad.items():
    r = requests.post(url + "/inference", timeout=60, **kwargs)
    rows.append({"case": case, "HTTP": r.status_code, "message": r.json().get("message")})
report.table(rows)
"""),
md("""
## 5. Cold starts and warm latency
A cold start is a new execution environment: start the runtime, import the libraries, load the model, answer.
On AWS it took up to 25 s for the reference DistilBERT image (close to the HTTP API's 30 s limit); provisioned
concurrency or a keep-warm schedule (both in the template) keep environments ready.
"""),
code("""
payload = {"question": "When was the car invented?", "context": car}
cold = []
for _ in range(3 if session.local else 1):
    if session.local:
        image_function.force_cold_start(session, FUNCTION)
    t = time.perf_counter()
    requests.post(url + "/inference", json=payload, timeout=60)
    cold.append((time.perf_counter() - t) * 1000)
warm = []
for _ in range(WARM_CALLS):
    t = time.perf_counter()
    requests.post(url + "/inference", json=payload, timeout=60)
    warm.append((time.perf_counter() - t) * 1000)
warm.sort()
p50, p95 = statistics.median(warm), warm[int(0.95 * (len(warm) - 1))]
print(f"cold start (request to answer): {', '.join(f'{c / 1000:.1f} s' for c in cold)}")
print(f"warm: p50 {p50:.0f} ms, p95 {p95:.0f} ms over {len(warm)} calls (through the HTTP API)")
"""),
code("""
fig, ax = plt.subplots(figsize=(7, 3.2))
ax.hist(warm, bins=30, color="#7b2ff7", alpha=0.8, label="warm requests")
for c in cold:
    ax.axvline(c, color="tab:red", linestyle="--")
ax.axvline(cold[0], color="tab:red", linestyle="--", label="cold starts")
ax.set_xscale("log"); ax.set_xlabel("latency, ms (log scale)"); ax.set_ylabel("requests")
ax.set_title("Question answering latency"); ax.legend()
plt.tight_layout()
"""),
code("""
session.record(dev_exact_match=scores.get("exact_match"), dev_f1=scores.get("f1"),
              onnx_dev_exact_match=onnx_scores.get("exact_match"), onnx_dev_f1=onnx_scores.get("f1"),
              long_dev_exact_match=long_scores.get("exact_match"), long_dev_f1=long_scores.get("f1"),
              car_answer=body["Answer"], cold_start_s=round(min(cold) / 1000, 2), warm_p50_ms=round(p50, 1),
              warm_p95_ms=round(p95, 1))
"""),
md("## 6. Clean up"),
code("""
# NBVAL_CHECK_OUTPUT
if session.local:
    image_function.remove_local(session, service)
    print("removed:", FUNCTION)
else:
    print(f"aws mode: sam delete --stack-name {FUNCTION}")
"""),
]
