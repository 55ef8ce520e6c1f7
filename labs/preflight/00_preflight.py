"""Source of notebooks/00_preflight.ipynb (see helpers.notebooks): edit here, then `make notebooks`."""
from helpers.notebooks import code, md

cells = [
md("""
# 00 · Preflight: is this account ready for the workshop?

**What you will check.** The mode the labs will run in, the package versions, who you are and where,
the account limits the labs depend on, what the labs will create and how it is tagged, and how long each
lab takes and what it costs. In **aws mode** the notebook also asks the IAM policy simulator about every
action the labs call and lists, by action name, anything you are not allowed to do **before anything is
created**.

**How long:** 5 minutes. **What it costs:** nothing (read-only calls).
"""),
md("## Parameters"),
code("""
MODE = "auto"      # "local", "aws", or "auto" (aws when AWS credentials are configured)
PROFILE = "auto"     # "quick" (small runs, as CI), "full", or "auto": WORKSHOP_PROFILE, else full
EVENT = "summit-cup"
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
  deliver DynamoDB Stream batches, serve HTTP APIs and keep sent email in an outbox). Nothing leaves the machine.
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
Read from the services where an API exists. The DeepRacer multi-user limits have no public API: they are the
documented defaults for a sponsoring account, shared by all sponsored racers; notebook 01 checks your event
against them.
"""),
code("""
limits = preflight.account_limits(session)
report.table(limits)
"""),
md("""
## 5. Permissions
Every action the labs call, simulated for your identity. An empty list of denials means you can go on.
The embedded runtime has no IAM policy simulator, so offline this only lists the actions.
"""),
code("""
# NBVAL_CHECK_OUTPUT
decisions = preflight.check_permissions(session)
missing = preflight.denied(decisions)
print(f"{len(decisions)} actions checked; denied: {missing or 'none'}")
if session.local:
    print("local mode: decisions are not simulated offline (aws mode asks iam:SimulatePrincipalPolicy)")
"""),
code("""
report.table(decisions)
"""),
md("## 6. What the labs create, how long they take, what they cost"),
code("""
# NBVAL_CHECK_OUTPUT
report.table(preflight.LAB_PLAN)
"""),
code("""
session.record(mode=session.mode, denied_actions=len(missing),
              identity_center=next(r["value"] for r in limits if "Identity Center" in r["limit"]) != "none: enable it first")
"""),
]
