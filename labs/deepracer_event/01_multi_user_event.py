"""Source of notebooks/01_multi_user_event.ipynb (see helpers.notebooks): edit here, then `make notebooks`."""
from helpers.notebooks import code, md

cells = [
md("""
# 01 · Running a DeepRacer event from one sponsoring account

> **Status (checked 2026-12-02).** The AWS DeepRacer console, and with it multi-user account mode, were retired
> at the end of 2025 (announced 2024-08-29). Its successor is **DeepRacer on AWS**, an AWS Solution you deploy
> into your own account (public repository `aws-solutions/deepracer-on-aws`: Cognito users and groups, an
> IAM-authorised API, SageMaker training). The console steps and the two DeepRacer managed policies in this lab
> are kept as **history** of how the seed ran events, not as steps to follow; the identity, sizing, spend and
> budget pieces still apply. Moving this lab onto DeepRacer on AWS is the kit's next piece of work.

**What you will build.** Everything an organiser sets up before racers arrive, for an event of hundreds to
thousands of racers who all train on **one sponsoring account** (the seed's DeepRacer multi-user mode, now retired: see the status note):

1. an **event admin role** with `AWSDeepRacerAccountAdminAccess`, and in IAM Identity Center a **racer group**
   whose permission set holds `AWSDeepRacerDefaultMultiUserAccess`, assigned to the account, each read back;
2. the **event configuration** (racers expected, training-hour quota per racer, budget) checked against the
   sponsoring account's limits, with the limits to raise *before* the day;
3. **spend monitoring**: a budget on the event's tagged spend and a billing alarm, plus a **projection** of
   spend and of the training queue over the event day;
4. the **sponsorship state** admins change during the event (pause/resume for everyone or one racer,
   change one racer's quota), where the registration lab reads it.

**How long:** about 20 minutes. **What it costs (aws mode):** cents (DynamoDB on demand; the first two budgets
of an account are free). Racers' training is what costs money: $3.50 per training or evaluation hour.
"""),
md("## Parameters"),
code("""
MODE = "auto"
PROFILE = "auto"     # "quick" (small runs, as CI), "full", or "auto": WORKSHOP_PROFILE, else full
EVENT = "summit-cup"
DISPLAY_NAME = "Summit DeepRacer Cup"
RACERS_EXPECTED = 300
QUOTA_HOURS = 5.0            # training hours per racer
BUDGET_USD = 5000.0
EVENT_HOURS = 8.0
RACES_PLANNED = 3
ALLOWED_DOMAINS = "example.com,corp.example.org"
ADMIN_EMAILS = ["deepracer-admins@example.com"]
""", "parameters"),
code("""
import matplotlib.pyplot as plt

from helpers import get_session, report
from labs.deepracer_event import deepracer, event, identity, spend

session = get_session(MODE, event=EVENT, profile=PROFILE)
print(f"mode: {session.mode}, region: {session.region}")
"""),
md("""
## 1. Identity: who administers, who races
The reference setup connects an enterprise identity provider (e.g. Microsoft Entra ID) to **IAM Identity
Center**; racers belong to one group per event. Here the group lives in the Identity Center identity store
(notebook 02 adds racers to it). Every call below creates what is missing and finds what exists, so the cell
can be re-run.
"""),
code("""
ident = identity.setup_event_identity(session, EVENT)
print("access portal:", ident.center.access_portal_url)
print("racer group:  ", ident.group_name)
"""),
md("Read every piece back from the services, rather than trusting what we sent:"),
code("""
# NBVAL_CHECK_OUTPUT
report.table([{"check": k, "ok": v} for k, v in identity.verify_event_identity(session, ident).items()])
"""),
md("""
## 2. The event configuration
Saved in the event table, next to the racer roster. The registration function reads it (is registration open?
which domains? which race URL goes in the email?).
"""),
code("""
# NBVAL_CHECK_OUTPUT
config = event.save_config(session, event.EventConfig(
    name=EVENT, display_name=DISPLAY_NAME, racers_expected=RACERS_EXPECTED, quota_hours_per_racer=QUOTA_HOURS,
    budget_usd=BUDGET_USD, allowed_domains=ALLOWED_DOMAINS, event_hours=EVENT_HOURS, races_planned=RACES_PLANNED))
loaded = event.load_config(session, EVENT)
print({k: getattr(loaded, k) for k in ("racers_expected", "quota_hours_per_racer", "budget_usd", "sponsorship",
                                        "registration_open")})
"""),
md("""
## 3. The event day, projected
A small deterministic simulation: racers arrive during the first half of the day, each trains in jobs of
0.5–2 hours (one evaluation after each), thinks for a while, and trains again until the quota is used or the
day ends. All racers share the sponsoring account's **100 concurrent training jobs**. The projection tells you
how long racers wait for a slot and when the budget would run out.
"""),
code("""
# NBVAL_CHECK_OUTPUT
projection = deepracer.project(deepracer.ProjectionInputs(
    racers=RACERS_EXPECTED, quota_hours=QUOTA_HOURS, event_hours=EVENT_HOURS))
report.table([{"figure": k, "value": v} for k, v in projection.summary().items()])
"""),
code("""
fig = deepracer.plot_projection(projection, BUDGET_USD)
"""),
md("""
### Which limits must be raised before the day?
Raises are granted by AWS Support and take days: ask early. The check uses the projected peaks.
"""),
code("""
# NBVAL_CHECK_OUTPUT
checks = deepracer.check_limits(RACERS_EXPECTED, RACES_PLANNED, projection.peak_training, projection.peak_evaluation)
report.table([c.__dict__ for c in checks])
"""),
md("""
The largest events ran with more than 2,000 racers. The same check for such an event shows what changes:
"""),
code("""
# NBVAL_CHECK_OUTPUT
big = deepracer.project(deepracer.ProjectionInputs(racers=2000, quota_hours=QUOTA_HOURS, event_hours=EVENT_HOURS))
report.table([c.__dict__ for c in deepracer.check_limits(2000, 10, big.peak_training, big.peak_evaluation)])
"""),
md("### A quota that fits the budget"),
code("""
# NBVAL_CHECK_OUTPUT
safe_quota = deepracer.quota_for_budget(RACERS_EXPECTED, BUDGET_USD)
print(f"With ${BUDGET_USD:,.0f} for {RACERS_EXPECTED} racers, a quota of {safe_quota:g} training hours per racer "
      f"keeps even the worst case within budget (you chose {QUOTA_HOURS:g}).")
"""),
md("""
## 4. Spend monitoring
A cost budget filtered to the event's cost-allocation tag (activate the `event` tag in Billing → Cost allocation
tags so it can filter), with email alerts at 80% of actual and 100% of forecast spend, and a billing alarm.
"""),
code("""
budget = spend.ensure_budget(session, EVENT, BUDGET_USD, ADMIN_EMAILS)
alarm = spend.ensure_spend_alarm(session, EVENT, BUDGET_USD)
print("budget:", budget["Budget"]["BudgetName"], budget["Budget"]["BudgetLimit"])
print("alerts:", [(n["NotificationType"], n["Threshold"]) for n in budget["Notifications"]])
print("alarm: ", alarm)
"""),
md("""
## 5. Multi-user mode (history: the console is retired)
Multi-user mode was a step in the DeepRacer console, which was retired at the end of 2025: there is nothing to
switch on today. The steps below are what the seed's event admin did, printed for reference only; in both modes
the notebook records the sponsorship state in the event table, which the registration lab reads.
"""),
code("""
for i, step in enumerate(event.console_steps(loaded, ident.center.access_portal_url), 1):
    print(f"{i}. {step}")
"""),
md("""
## 6. During the event: sponsorship and quotas
Admins pause and resume sponsorship (for everyone, e.g. when spend runs ahead, or for one racer) and change one
racer's quota. An event-wide pause wins over a racer's own setting. (The retired console mirrored these under
Multi-user management; on DeepRacer on AWS the nearest levers are a racer's compute-minute and model limits.)
"""),
code("""
# NBVAL_CHECK_OUTPUT
racer = "ada.lovelace@example.com"
steps = [
    ("start", lambda: event.effective_sponsorship(session, EVENT, racer)),
    ("raise Ada's quota to 8 h", lambda: event.set_quota(session, EVENT, racer, 8)),
    ("pause Ada only", lambda: event.set_sponsorship(session, EVENT, "paused", racer=racer)),
    ("pause everyone", lambda: (event.set_sponsorship(session, EVENT, "paused"),
                                event.effective_sponsorship(session, EVENT, racer))[1]),
    ("resume everyone", lambda: (event.set_sponsorship(session, EVENT, "active"),
                                 event.effective_sponsorship(session, EVENT, racer))[1]),
    ("resume Ada", lambda: event.set_sponsorship(session, EVENT, "active", racer=racer)),
]
report.table([{"step": name, **fn()} for name, fn in steps])
"""),
code("""
session.record(racers_expected=RACERS_EXPECTED, projected_spend_usd=projection.spend,
              p95_wait_min=projection.p95_wait, limits_to_raise=[c.name for c in checks if not c.ok],
              safe_quota_hours=safe_quota)
"""),
md("""
## What you learned
* In multi-user mode all racers share one account's limits and bill: size the event **before** the day.
* A projection of the day turns "100 concurrent training jobs" into minutes of waiting and dollars of spend.
* Keep the organiser's decisions (quotas, sponsorship) where the automation can read them.

Next: notebook 02 opens registration.
"""),
]
