"""Source of notebooks/03_fine_tune_summarizer.ipynb (see helpers.notebooks): edit here, then `make notebooks`."""
from helpers.notebooks import code, md

cells = [
md("""
# 03 · Fine-tuning a summarizer with a SageMaker training job

**What you will build.** A model that writes the title of a product review: the review is the input, its title
the summary. You fine-tune it with a **SageMaker training job in script mode**: `labs/summarizer/code/train.py` (in this
lab's folder) reads the `train`/`validation`/`test` channels, fine-tunes with `Seq2SeqTrainer`, keeps the best
checkpoint by validation loss, and logs metrics SageMaker can parse. You follow the job's log, plot its loss and
compare its ROUGE scores with a simple baseline.

**Models without a hub.** The reference is `google/pegasus-xsum` (set `BASE_MODEL` to it where a model hub is
reachable). Offline — here, in CI, in an air-gapped room — the same script starts from the encoder packaged with
the workshop (MiniLM-L6, paired with itself as an encoder–decoder) and learns titles from the 1,400 reviews in
`data/reviews/`. Expect modest scores: that model was never trained to write.

**How long:** 15–25 minutes (most of it training). **What it costs (aws mode):** one `ml.g5.2xlarge` training job,
about $1.5 per hour of training; locally the job runs on this machine's CPU for free, and a second run with the same
data, code and hyperparameters reuses the trained model.
"""),
md("## Parameters"),
code("""
MODE = "auto"
PROFILE = "auto"     # "quick" (small runs, as CI), "full", or "auto": WORKSHOP_PROFILE, else full
EVENT = "summit-cup"
BASE_MODEL = "offline"                 # or "google/pegasus-xsum" where a model hub is reachable
INSTANCE_TYPE = "ml.g5.2xlarge"        # aws mode only
""", "parameters"),
code("""
import pandas as pd
import matplotlib.pyplot as plt

from helpers import get_session, jobs, report
from labs.summarizer import model as summarizer, trainer as summarizer_lab

session = get_session(MODE, event=EVENT, profile=PROFILE)
print(f"mode: {session.mode}, region: {session.region}")
"""),
md("## 1. The data: reviews and their titles"),
code("""
# NBVAL_CHECK_OUTPUT
splits = {name: pd.read_csv(summarizer.DATA / f"{name}.csv") for name in summarizer.CHANNELS}
print({name: len(frame) for name, frame in splits.items()})
"""),
code("""
splits["train"][["review", "title", "rating"]].head(5)
"""),
md("""
## 2. Upload the channels
Each channel is an S3 prefix; SageMaker copies it into the container and tells the script where it is through
`SM_CHANNEL_TRAIN`, `SM_CHANNEL_VALIDATION` and `SM_CHANNEL_TEST`.
"""),
code("""
channels = summarizer_lab.upload_channels(session)
channels
"""),
md("""
## 3. Launch the training job
Hyperparameters become the script's command-line arguments (`--epochs 2 ...`). The metric definitions are regular
expressions SageMaker applies to the log, so the job's description carries the final loss and ROUGE.
"""),
code("""
hp = summarizer.hyperparameters(session.config.profile)
hp["model_name"] = BASE_MODEL
report.table([{"hyperparameter": k, "value": v} for k, v in hp.items()])
"""),
code("""
trainer = summarizer_lab.trainer(session, hp, instance_type=INSTANCE_TYPE)
job_name = summarizer_lab.launch(session, trainer, channels)
print("training job:", job_name)
"""),
md("Follow the job. Its log is in CloudWatch Logs (`/aws/sagemaker/TrainingJobs`), in both modes:"),
code("""
desc = jobs.follow_training_job(session, job_name, quiet_pattern=r"it/s\\]|s/it\\]|Warning|warnings.warn|super\\(\\).__init__")
"""),
code("""
# NBVAL_CHECK_OUTPUT
print("status:", desc["TrainingJobStatus"])
print("metrics reported:", sorted(jobs.metrics(desc)))
"""),
md("## 4. The loss curve"),
code("""
train = jobs.log_series(session, job_name, "train_loss")
evals = jobs.log_series(session, job_name, "eval_loss")
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(*zip(*train[:-1]), marker=".", label="training loss") if len(train) > 1 else None
ax.plot(*zip(*evals), marker="o", label="validation loss") if evals else None
ax.set_xlabel("epoch"); ax.set_ylabel("loss"); ax.set_title("Fine-tuning the summarizer"); ax.legend()
plt.tight_layout()
"""),
md("""
## 5. Is it any good? ROUGE against a baseline
ROUGE counts overlapping words between generated and reference titles. The baseline "summarizes" by taking the
first few words of the review; a model that cannot beat it has not learned much.
"""),
code("""
m = jobs.metrics(desc)
scores = pd.DataFrame({"model": [m.get(f"test_{k}") for k in ("rouge1", "rouge2", "rougeL")],
                       "first-words baseline": [m.get(f"baseline_{k}") for k in ("rouge1", "rouge2", "rougeL")]},
                      index=["ROUGE-1", "ROUGE-2", "ROUGE-L"])
ax = scores.plot.bar(figsize=(6, 3.2), rot=0, title="Test split")
ax.set_ylabel("F-measure")
plt.tight_layout()
scores.round(3)
"""),
code("""
session.record(training_job=job_name, test_rouge1=m.get("test_rouge1"), baseline_rouge1=m.get("baseline_rouge1"),
              test_rougeL=m.get("test_rougeL"), baseline_rougeL=m.get("baseline_rougeL"))
"""),
md("""
## What you learned
* Script mode: your own `train.py`, hyperparameters as arguments, data from channels, the model to `SM_MODEL_DIR`.
* Metric definitions turn log lines into job metrics you can compare across jobs.
* Always report a baseline next to a model's score.

Next: notebook 04 deploys this model behind a SageMaker endpoint with a custom inference script.
"""),
]
