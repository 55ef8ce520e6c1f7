"""Source of notebooks/04_deploy_summarizer.ipynb (see helpers.notebooks): edit here, then `make notebooks`."""
from helpers.notebooks import code, md

cells = [
md("""
# 04 · Deploying the summarizer behind a SageMaker endpoint

**What you will build.** A real-time SageMaker endpoint serving the model from notebook 03 through a custom
inference script, `labs/summarizer/code/inference.py`: `model_fn` loads the model once, `input_fn` parses JSON, `predict_fn`
generates titles for one review or a list, once per generation-parameter set, and `output_fn` answers JSON. You
reproduce the classic demo — one review, length penalties 2, 1, 0.6 and 0.4 — and see how the endpoint answers bad
requests.

**How long:** 10 minutes (plus training if notebook 03 has not run). **What it costs (aws mode):** an
`ml.m5.xlarge` endpoint at about $0.23 per hour while it exists: the last cell deletes it. Locally the endpoint is
a process on this machine.
"""),
md("## Parameters"),
code("""
MODE = "auto"
PROFILE = "auto"     # "quick" (small runs, as CI), "full", or "auto": WORKSHOP_PROFILE, else full
EVENT = "summit-cup"
ENDPOINT = "review-summarizer"
INSTANCE_TYPE = "ml.m5.xlarge"
""", "parameters"),
code("""
from helpers import get_session, report
from labs.summarizer import deploy, model as summarizer, trainer as summarizer_lab

session = get_session(MODE, event=EVENT, profile=PROFILE)
print(f"mode: {session.mode}, region: {session.region}")
"""),
md("""
## 1. Find the trained model
The newest completed summarizer training job; if there is none (this notebook running on its own), it trains one
now with the same code as notebook 03.
"""),
code("""
job_name, model_data = summarizer_lab.ensure_model(session, summarizer.hyperparameters(session.config.profile))
print("model from job:", job_name)
"""),
md("""
## 2. Package the inference script with the model
The Hugging Face inference container looks for `code/inference.py` inside `model.tar.gz`.
"""),
code("""
packaged = deploy.repack_with_code(session, model_data, [summarizer_lab.SCRIPTS / "inference.py"],
                                   key=f"{summarizer_lab.PREFIX}/serving/model.tar.gz")
print(packaged.replace(session.bucket, "<bucket>"))
"""),
md("## 3. Model, endpoint configuration, endpoint"),
code("""
endpoint = deploy.deploy(session, ENDPOINT, packaged, instance_type=INSTANCE_TYPE,
                         env={"SAGEMAKER_PROGRAM": "inference.py"})
"""),
code("""
# NBVAL_CHECK_OUTPUT
print(session.client("sagemaker").describe_endpoint(EndpointName=ENDPOINT)["EndpointStatus"])
"""),
md("""
## 4. The demo: one review, four length penalties
`length_penalty` > 1 favours longer beams, < 1 shorter ones: beam search divides each finished candidate's score by
its length raised to that power. With the reference model (Pegasus) the four sets give summaries from a long sentence
down to a few words. The small offline model learned the short titles of its training data (2–6 words) and usually
ends a title so confidently that all four sets pick the same one: the penalty can only choose among the
candidates the search finished. Try `num_beams=8` and a larger `max_length` to give it more to choose from.
"""),
code("""
review = ("I ordered this wrap dress in navy for a wedding and it was perfect. The fabric is soft and drapes "
          "beautifully, the fit is true to size and the pockets are a lovely surprise. I got so many compliments.")
sets = [{"length_penalty": lp, "num_beams": 4, "min_length": 2, "max_length": 16, "no_repeat_ngram_size": 2}
        for lp in (2.0, 1.0, 0.6, 0.4)]
answer = deploy.invoke(session, ENDPOINT, {"inputs": review, "parameters_list": sets})
report.table([{"length_penalty": p["length_penalty"], "title": titles[0], "words": len(titles[0].split())}
              for p, titles in zip(sets, answer)])
"""),
md("### Several reviews in one request"),
code("""
import pandas as pd

test = pd.read_csv(summarizer.DATA / "test.csv").head(5)
titles = deploy.invoke(session, ENDPOINT, {"inputs": list(test["review"]),
                                          "parameters": {"num_beams": 4, "max_length": 16, "no_repeat_ngram_size": 2}})
report.table([{"review": r[:90] + "…", "real title": t, "generated": g}
              for r, t, g in zip(test["review"], test["title"], titles)])
"""),
md("""
## 5. Bad requests get a clear 4xx, never a stack trace
The script raises a `BadRequest` with a status; SageMaker returns it as a `ModelError` carrying the container's
status and message.
"""),
code("""
# NBVAL_CHECK_OUTPUT
bad = {
    "no inputs": {"text": review},
    "inputs not text": {"inputs": 42},
    "unknown parameter": {"inputs": review, "parameters": {"temperatur": 0.7}},
    "out-of-range value": {"inputs": review, "parameters": {"num_beams": 99}},
    "too many parameter sets": {"inputs": review, "parameters_list": [{"num_beams": 2}] * 9},
    "oversized input": {"inputs": "x" * 6000},
}
rows = []
for case, payload in bad.items():
    try:
        deploy.invoke(session, ENDPOINT, payload)
        rows.append({"case": case, "answer": "accepted (unexpected)"})
    except ValueError as exc:
        rows.append({"case": case, "answer": str(exc)})
report.table(rows)
"""),
code("""
session.record(endpoint_status="InService", demo_words=[len(t[0].split()) for t in answer])
"""),
md("""
## 6. Clean up
An endpoint bills by the hour whether or not anyone calls it: delete it, then its configuration and model.
"""),
code("""
# NBVAL_CHECK_OUTPUT
deploy.delete(session, ENDPOINT)
print("endpoints left:", [e["EndpointName"] for e in session.client("sagemaker").list_endpoints()["Endpoints"]
                          if e["EndpointName"] == ENDPOINT])
"""),
]
