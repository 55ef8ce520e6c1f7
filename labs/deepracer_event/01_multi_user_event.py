"""Source of notebooks/01_multi_user_event.ipynb (see helpers.notebooks): edit here, then `make notebooks`."""
from helpers.notebooks import code, md

cells = [
md("""
# 01 · Running a DeepRacer event on DeepRacer on AWS

> **Platform (checked 2026-12-02).** The AWS DeepRacer console and its multi-user account mode were retired at
> the end of 2025 (announced 2024-08-29). Events now run on **DeepRacer on AWS**, an AWS Solution you deploy into
> your own account (`aws-solutions/deepracer-on-aws`, Apache-2.0): a website, a Cognito user pool (groups
> `dr-admins`, `dr-race-facilitators`, `dr-racers`), an IAM-authorised API, SageMaker training jobs. This lab
> scripts it through that API. The seed's console steps are in the lab guide as history.

**What you will build.** Everything an organiser sets up before racers arrive, for an event of hundreds to
thousands of racers who all train in **one account**:

1. **the platform**: the solution's stack found by its namespace (or launched), its outputs read back, and a
   signed API client for the **event admin**;
2. **identity**: racers sign in to the solution with the organisation's **SAML identity provider**; attendees
   who also use SageMaker Studio get an IAM Identity Center group and permission set; a scoped admin role;
3. **the event's settings on the solution**: invite-only registration, compute-minute and model quotas per
   racer and for the whole event, and the event's **race** with its URL, each read back;
4. **sizing against what limits it today**: the account's SageMaker training quota for the solution's instance
   type, its price per hour, the invitation email capacity, and a projection of the queue and the spend;
5. **spend monitoring** (a budget on the event's tags, a billing alarm) and the admin's **levers** during the day.

**How long:** about 20 minutes (launching the solution in aws mode takes another 30 or so: start it first).
**What it costs (aws mode):** the solution's standing infrastructure (a few dollars a day: CloudFront, API
Gateway, Lambda, DynamoDB on demand); racers' training is what costs money: one SageMaker `ml.c7i.4xlarge` per
training or evaluation job, per hour (section 4 reads the price).
"""),
md("## Parameters"),
code("""
MODE = "auto"
PROFILE = "auto"     # "quick" (small runs, as CI), "full", or "auto": WORKSHOP_PROFILE, else full
EVENT = "summit-cup"
DISPLAY_NAME = "Summit DeepRacer Cup"
RACERS_EXPECTED = 300
QUOTA_HOURS = 5.0            # training hours per racer
MODELS_PER_RACER = 5
BUDGET_USD = 5000.0
EVENT_HOURS = 8.0
ALLOWED_DOMAINS = "example.com,corp.example.org"
ADMIN_EMAIL = "deepracer-admins@example.com"      # the solution's first admin (gets the invitation)
BUDGET_EMAILS = ["deepracer-admins@example.com"]
TRACK_ID = "reInvent2019_track"                   # the race's track (the model's TrackId values)
SES_SENDER = "deepracer-events@example.com"       # a verified SES identity, for events of more than 50 racers
SAML_METADATA_URL = ""                            # your IdP's federation metadata URL (aws mode); "" locally
""", "parameters"),
code("""
import matplotlib.pyplot as plt

from helpers import deepracer_on_aws as dra, get_session, report
from labs.deepracer_event import capacity, deepracer, event, identity, solution, spend

session = get_session(MODE, event=EVENT, profile=PROFILE)
print(f"mode: {session.mode}, region: {session.region}")
"""),
md("""
## 1. The platform: DeepRacer on AWS in this account
The solution is one CloudFormation stack per deployment; its `Namespace` parameter (3–12 lowercase letters and
digits) tells deployments apart. The cell finds the event's deployment, or launches the solution's published
template with the event's parameters and waits for it. In local mode the emulator's stand-in deploys the parts
the labs talk to (user pool, identity pool and roles, the API, its table) behind the same CloudFormation call.
"""),
code("""
# NBVAL_CHECK_OUTPUT
deployment, admin = solution.event_admin(session, EVENT, ADMIN_EMAIL)
report.table([
    {"output": "stack", "value": deployment.stack_name},
    {"output": "namespace", "value": deployment.namespace},
    {"output": "status", "value": deployment.status},
    {"output": "API endpoint found", "value": bool(deployment.api_url)},
    {"output": "user pool, client and identity pool found",
     "value": all((deployment.user_pool_id, deployment.client_id, deployment.identity_pool_id))},
])
"""),
md("""
`event_admin` also **signed in as the event admin**: the solution's API takes SigV4-signed requests only, from
identity-pool credentials of a user-pool user. The admin's first sign-in replaces the invitation's temporary
password; the password is kept in Secrets Manager (`<event>/deepracer-on-aws-admin`) so every notebook signs in
the same way. The admin's profile, as the solution holds it:
"""),
code("""
# NBVAL_CHECK_OUTPUT
me = admin.get_profile()
print("role:", me["roleName"], "| email:", me["emailAddress"])
print("site:", "set" if deployment.site_url else "not in the stack's outputs")
"""),
md("""
## 2. Identity
**Racers** are users of the solution's user pool. Where the organisation has an identity provider (Microsoft
Entra ID, Okta, ...), add it to the user pool as a SAML provider and racers sign in with their enterprise
account; otherwise they use the invitation email the registration lab triggers. In local mode a generated
metadata document stands in for the IdP's.
"""),
code("""
# NBVAL_CHECK_OUTPUT
metadata = {"metadata_url": SAML_METADATA_URL} if SAML_METADATA_URL else {"metadata_xml": identity.sample_idp_metadata()}
report.table([identity.enterprise_sign_in(session, deployment, "Enterprise", **metadata)])
"""),
md("""
**Attendees who also use the account's other labs** (SageMaker Studio) sign in through IAM Identity Center:
one group per event, a permission set for Studio, an assignment to the account. The event admin gets a role
whose inline policy covers the event and nothing else. Every piece is read back:
"""),
code("""
# NBVAL_CHECK_OUTPUT
ident = identity.setup_event_identity(session, EVENT)
report.table([{"check": k, "ok": v} for k, v in identity.verify_event_identity(session, ident).items()])
"""),
md("""
## 3. The event's settings
The organiser's decisions go into the event table (the registration lab reads it); what the solution enforces
goes into the solution, through its API: **invite-only** registration (racers come through lab 02), every new
racer's **compute minutes** and **model count**, and event-wide caps as a backstop. Each setting is read back.
"""),
code("""
config = event.save_config(session, event.EventConfig(
    name=EVENT, display_name=DISPLAY_NAME, racers_expected=RACERS_EXPECTED, quota_hours_per_racer=QUOTA_HOURS,
    budget_usd=BUDGET_USD, allowed_domains=ALLOWED_DOMAINS, event_hours=EVENT_HOURS,
    models_per_racer=MODELS_PER_RACER, solution_url=deployment.site_url))
"""),
code("""
# NBVAL_CHECK_OUTPUT
report.table(solution.configure(admin, config))
"""),
md("""
### The race
The event's race is a **leaderboard** on the solution (open and close times, track, time trial, laps). Created
once, found by name on a re-run; its URL goes in every registration email (lab 02).
"""),
code("""
# NBVAL_CHECK_OUTPUT
race = solution.ensure_race(admin, deployment, config, TRACK_ID)
config = event.update_config(session, EVENT, race_url=race.url)
print("race:", race.name, "| track:", race.track_id, "| URL saved:", config.race_url == race.url)
"""),
md("""
## 4. What limits the event today
Every training **and evaluation** job is a SageMaker training job on the solution's instance type, in this
account, so all racers share one quota (8 concurrent jobs by default). Every invitation is an email: Cognito's
own sender allows **50 a day**; above that the user pool must send through **SES** (a verified sender, and
production access to mail people outside the sandbox). The figures, with where each came from:
"""),
code("""
cap = capacity.read_capacity(session, deployment)
if RACERS_EXPECTED > dra.COGNITO_DAILY_EMAILS and cap.email_delivery == "Cognito default":
    print(f"{RACERS_EXPECTED} invitations > {dra.COGNITO_DAILY_EMAILS} a day: the user pool now sends through SES "
          f"as {SES_SENDER}")
    dra.use_ses(session, deployment, SES_SENDER)
    cap = capacity.read_capacity(session, deployment)
report.table(cap.rows())
"""),
md("""
### The event day, projected
A small deterministic simulation fed with those numbers: racers arrive during the first half of the day, each
trains in jobs of 0.5–2 hours (one evaluation after each, in the same slots), thinks for a while, and trains
again until the quota is used or the day ends. It shows how long racers wait for a slot and when the budget
would run out.
"""),
code("""
# NBVAL_CHECK_OUTPUT
projection = deepracer.project(deepracer.ProjectionInputs(
    racers=RACERS_EXPECTED, quota_hours=QUOTA_HOURS, event_hours=EVENT_HOURS,
    training_slots=cap.training_slots, usd_per_hour=cap.usd_per_hour))
report.table([{"figure": k, "value": v} for k, v in projection.summary().items()])
"""),
code("""
fig = deepracer.plot_projection(projection, BUDGET_USD)
"""),
md("""
### Which limits must be raised before the day?
Quota increases go through Service Quotas (small ones are approved automatically, large ones by AWS Support) and
SES production access is a request too: ask days ahead. The check uses the projected peak and the invitations.
"""),
code("""
# NBVAL_CHECK_OUTPUT
checks = deepracer.check_limits(projection.peak_training, RACERS_EXPECTED, cap)
report.table([c.__dict__ for c in checks])
"""),
md("""
With the slots the projection says the day needs, the queue almost disappears, and the spend grows: the jobs
that never started on the default slots now run. Plan the budget on this second row, not the first:
"""),
code("""
# NBVAL_CHECK_OUTPUT
roomy = deepracer.project(deepracer.ProjectionInputs(
    racers=RACERS_EXPECTED, quota_hours=QUOTA_HOURS, event_hours=EVENT_HOURS,
    training_slots=max(projection.peak_training, 1), usd_per_hour=cap.usd_per_hour))
report.table([{"slots": s.inputs.training_slots, "p95 wait min": round(s.p95_wait, 1),
               "jobs never started": s.unstarted_jobs, "spend USD": round(s.spend, 2)} for s in (projection, roomy)])
"""),
md("### A quota that fits the budget"),
code("""
# NBVAL_CHECK_OUTPUT
safe_quota = deepracer.quota_for_budget(RACERS_EXPECTED, BUDGET_USD, usd_per_hour=cap.usd_per_hour)
print(f"With ${BUDGET_USD:,.0f} for {RACERS_EXPECTED} racers at ${cap.usd_per_hour:g} an hour, a quota of "
      f"{safe_quota:g} training hours per racer keeps even the worst case within budget (you chose {QUOTA_HOURS:g}).")
"""),
md("""
## 5. Spend monitoring
A cost budget filtered to the event's cost-allocation tag (activate the `event` tag in Billing → Cost allocation
tags so it can filter; the solution's stack carries the event's tags), with email alerts at 80% of actual and
100% of forecast spend, and a billing alarm.
"""),
code("""
budget = spend.ensure_budget(session, EVENT, BUDGET_USD, BUDGET_EMAILS)
alarm = spend.ensure_spend_alarm(session, EVENT, BUDGET_USD)
print("budget:", budget["Budget"]["BudgetName"], budget["Budget"]["BudgetLimit"])
print("alerts:", [(n["NotificationType"], n["Threshold"]) for n in budget["Notifications"]])
print("alarm: ", alarm)
"""),
md("""
## 6. During the event: the admin's levers
The seed's console had switches the solution does not: there is no "pause sponsorship". Each power maps to the
nearest honest lever of the solution's API:
"""),
code("""
report.table(solution.ADMIN_POWERS)
"""),
md("""
Tried on one racer (invited here, as the registration lab will invite everyone): raise her quota, pause her (her
limit becomes what she has used), pause everyone (the event-wide cap becomes what all have used), resume.
"""),
code("""
# NBVAL_CHECK_OUTPUT
racer = "ada.lovelace@example.com"
if admin.find_profile(racer) is None:
    admin.create_profile(racer)
steps = [
    ("invited", lambda: None),
    ("raise Ada's quota to 8 h", lambda: solution.set_racer_minutes(admin, racer, 8 * 60)),
    ("pause Ada", lambda: solution.pause_racer(admin, racer)),
    ("resume Ada", lambda: solution.resume_racer(admin, racer, config)),
]
rows = []
for name, step in steps:
    step()
    rows.append({"step": name, **solution.racer_limits(admin, racer)})
report.table(rows)
"""),
code("""
# NBVAL_CHECK_OUTPUT
paused_at = solution.pause_everyone(admin)
event.set_sponsorship(session, EVENT, "paused")
print("everyone paused: event-wide cap", admin.get_setting("usageQuotas.global.globalComputeMinutesLimit"),
      "minutes (= used so far)", paused_at == admin.get_setting("usageQuotas.global.globalComputeMinutesLimit"))
solution.resume_everyone(admin, config)
event.set_sponsorship(session, EVENT, "active")
print("everyone resumed: event-wide cap", admin.get_setting("usageQuotas.global.globalComputeMinutesLimit"), "minutes")
"""),
code("""
session.record(racers_expected=RACERS_EXPECTED, training_slots=cap.training_slots,
              projected_spend_usd=projection.spend, p95_wait_min=projection.p95_wait,
              limits_to_raise=[c.name for c in checks if not c.ok], safe_quota_hours=safe_quota)
"""),
md("""
## What you learned
* Events run on **DeepRacer on AWS** in your own account: everything the console's admin did is an API call,
  signed with the admin's identity-pool credentials, and read back.
* All racers share the account's **SageMaker training quota** for one instance type and its bill: size the
  event **before** the day, and ask for increases (and SES production access) early.
* A projection of the day turns "8 concurrent training jobs" into minutes of waiting and dollars of spend.

Next: notebook 02 opens registration, and invites every racer into the solution.
"""),
]
