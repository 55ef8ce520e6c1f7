"""Source of notebooks/00_preflight.ipynb (see helpers.notebooks): edit here, then `make notebooks`."""
from helpers.notebooks import code, md

cells = [
md("""
# 00 · Preflight: is this account ready for the workshop?

**What you will check.** The mode the labs will run in, the package versions, who you are and where, the limits
an event on **DeepRacer on AWS** runs into (its deployment, the SageMaker training quota, how many emails a day
the account can send), what the labs will create, how long each takes and what it costs. In **aws mode** the
notebook also asks the IAM policy simulator about every action labs 00–02 and 07 call and lists, by action name,
anything you are not allowed to do **before anything is created**.

**How long:** 5 minutes. **What it costs:** nothing (read-only calls).
"""),
md("## Parameters"),
code("""
MODE = "auto"      # "local", "aws", or "auto" (aws when AWS credentials are configured)
PROFILE = "auto"     # "quick" (small runs, as CI), "full", or "auto": WORKSHOP_PROFILE, else full
EVENT = "summit-cup"
RACERS_EXPECTED = 300   # as in lab 01: sizes the email check
""", "parameters"),
code("""
from helpers import get_session, report
from labs.preflight import checks as preflight

session = get_session(MODE, event=EVENT, profile=PROFILE)
report.table([{"setting": k, "value": v} for k, v in session.summary().items()])
"""),
md("""
## 1. Mode
* **aws** talks to a real account (SageMaker Studio, or any machine with credentials). Every resource is tagged
  `workshop=ml-events` and `event=<EVENT>`, so the cleanup notebook can remove exactly what the labs made.
* **local** starts an embedded AWS runtime on this machine (moto plus stand-ins that really run Lambda handlers,
  deliver DynamoDB Stream batches, serve HTTP APIs, stand in for DeepRacer on AWS and keep sent email in an
  outbox). Nothing leaves the machine.
"""),
code("""
# NBVAL_CHECK_OUTPUT
print("tags every resource gets:", session.tags)
"""),
md("## 2. Versions\nThe workshop pins every package (`requirements.lock`, `environment.yml`)."),
code("""
report.table(preflight.versions())
"""),
md("## 3. Who and where"),
code("""
who = preflight.caller(session)
report.table([who])
"""),
md("""
## 4. Limits the labs depend on
Labs 01–02 run the event on **DeepRacer on AWS**, the AWS Solution in your own account that replaced the
DeepRacer console (retired at the end of 2025). Three things limit such an event, each read from the services:

* **the deployment**: the solution's stack for this event (lab 01 finds it by namespace, or launches it);
* **training slots**: every racer's training and evaluation is a SageMaker training job on `ml.c7i.4xlarge` in
  this account, so all racers share one quota (Service Quotas, `L-1EC4D7FD`; DeepRacer on AWS's guide gives 8
  as the default);
* **email**: Cognito's own sender mails 50 invitations a day; above that the user pool sends through **SES**,
  whose daily quota must cover the invitations plus lab 02's event email, and which mails only verified
  addresses until the account has production access.

`check` marks what to fix before the event; `info` is expected now; `n/a` is not answered offline.
"""),
code("""
# NBVAL_CHECK_OUTPUT
limits = preflight.account_limits(session, EVENT, racers_expected=RACERS_EXPECTED)
report.table(limits)
"""),
code("""
# NBVAL_CHECK_OUTPUT
print("to check before the event:", preflight.to_check(limits) or "nothing")
"""),
md("""
## 5. Permissions
Every action labs 00–02 and 07 call with your credentials, simulated for your identity (labs 03–06 and 99 are
not listed yet). No denials means you can go on. The embedded runtime has no IAM policy simulator, so offline
this only lists the actions.
"""),
code("""
# NBVAL_CHECK_OUTPUT
decisions = preflight.check_permissions(session)
missing = preflight.denied(decisions)
print(preflight.permission_summary(decisions))
if session.local:
    print("local mode: decisions are not simulated offline (aws mode asks iam:SimulatePrincipalPolicy)")
"""),
code("""
report.table(decisions)
"""),
md("Some calls are not yours to be allowed, and are not simulated:"),
code("""
# NBVAL_CHECK_OUTPUT
report.table(preflight.NOT_SIMULATED)
"""),
md("## 6. What the labs create, how long they take, what they cost"),
code("""
# NBVAL_CHECK_OUTPUT
report.table(preflight.LAB_PLAN)
"""),
code("""
session.record(mode=session.mode, denied_actions=len(missing), limits_to_check=preflight.to_check(limits),
               deepracer_on_aws_deployed=any(r["limit"].startswith("DeepRacer on AWS") and r["status"] == "ok"
                                             for r in limits))
"""),
]
