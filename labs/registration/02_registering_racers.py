"""Source of notebooks/02_registering_racers.ipynb (see helpers.notebooks): edit here, then `make notebooks`."""
from helpers.notebooks import code, md

cells = [
md("""
# 02 · Registering racers: portal, API, stream, DeepRacer on AWS, email

**What you will build.** The registration path of a DeepRacer event for hundreds to thousands of racers:

1. an **event portal**, a web page with an HTML form (enterprise email, racer alias, ML experience);
2. a **registration API** (API Gateway HTTP API → Lambda) that validates every field, enforces the
   enterprise domain allow-list and writes each racer **once** (DynamoDB conditional put);
3. a **provisioning function** fed by the roster table's **DynamoDB Stream**: it makes the racer a user of
   the event's **DeepRacer on AWS** deployment (`CreateProfile`, signed with the event's service user; the
   solution emails its invitation), adds them to the event's Identity Center group (SageMaker Studio for the
   labs) and emails them the solution's site and the race URL, recording each racer's status
   `registered → provisioned → notified` (or `failed`, with the reason) and their profile id;
4. the operations around it: bulk CSV import through `BulkInviteUser` (200 per call, polled), retries and
   parking of failures, re-drive, idempotency, and offboarding at the end of the event.

**How long:** about 30 minutes. **What it costs (aws mode):** well under $0.10 for a few hundred racers
(Lambda, API Gateway, DynamoDB on demand, SES at $0.10 per 1,000 emails), on top of the DeepRacer on AWS
deployment of notebook 01. In local mode it costs nothing:
the same code runs against the embedded AWS runtime, and emails land in an outbox you can read.
"""),
md("""
## Parameters
Papermill overrides these when the workshop runs headlessly. `PROFILE="quick"` imports a smaller roster.
"""),
code("""
MODE = "auto"                      # "local", "aws", or "auto" (aws when credentials are configured)
PROFILE = "auto"     # "quick" (small runs, as CI), "full", or "auto": WORKSHOP_PROFILE, else full
EVENT = "summit-cup"               # becomes part of resource names; lowercase letters, digits, '-'
DISPLAY_NAME = "Summit DeepRacer Cup"
ALLOWED_DOMAINS = "example.com,corp.example.org"
ROSTER_CSV = "../data/racers.csv"
""", "parameters"),
code("""
import json
import time

import requests
import matplotlib.pyplot as plt

from helpers import get_session, report
from labs.registration import lab, roster, stack as st
from labs.registration.stack import wait_until_processed

session = get_session(MODE, event=EVENT, profile=PROFILE)
print(f"mode: {session.mode}, region: {session.region}")
"""),
md("""
## 1. Deploy the registration stack
`lab.prepare` creates what is missing and finds what exists, so re-running this cell is safe. It sets up the
event's identity pieces (as notebook 01 does), keeps the event configuration if notebook 01 saved one, finds
the event's **DeepRacer on AWS** deployment (launching it if notebook 01 has not), makes the user pool send
through SES when more than Cognito's 50 invitations a day are expected, creates the **service user** the
provisioning function signs in as (its password in Secrets Manager), and deploys the stack. In aws mode that is `labs/registration/template.yaml` through CloudFormation; in local
mode the same resources are created through the same service APIs with the settings read from that template.
"""),
code("""
reg = lab.prepare(session, EVENT, display_name=DISPLAY_NAME, allowed_domains=ALLOWED_DOMAINS)
stack = reg.stack
portal_url = stack.api_url.rstrip("/") + "/"
print("Event portal:", portal_url)
print("DeepRacer on AWS:", "found" if reg.deployment.api_url else "missing", "| racers sign in at the solution's site")
"""),
md("""
The portal is a real page served by the registration function (`GET /`). Open the URL in a browser, or run
`python -m labs.registration.portal serve` from a terminal to keep one running while you try it by hand.
"""),
code("""
# NBVAL_CHECK_OUTPUT
page = requests.get(portal_url, timeout=30)
title = page.text.split("<title>")[1].split("</title>")[0]
print(page.status_code, page.headers["content-type"], "|", title)
"""),
md("""
## 2. Register racers through the API
This is exactly what the portal's form sends. Notice the address is trimmed and case-folded before it is stored.
"""),
code("""
# NBVAL_CHECK_OUTPUT
first_racers = [("  Ada.Lovelace@Example.com ", "ada-l"), ("grace.hopper@corp.example.org", "amazing_grace"),
                ("alan.turing@example.com", "enigma-7")]
rows = []
for email, alias in first_racers:
    status, body = roster.register_via_api(stack, email, alias, "beginner")
    rows.append({"sent": email, "HTTP": status, "stored as": body.get("racer", {}).get("email"),
                 "message": body.get("message") or body["error"]["message"]})
report.table(rows)
"""),
md("""
## 3. Bad input gets a clear answer
Every entry point validates. Each row below is a different class of bad request; none of them reaches the table.
"""),
code("""
# NBVAL_CHECK_OUTPUT
api = stack.api_url.rstrip("/") + "/register"
cases = {
    "private address":        {"json": {"email": "ada@gmail.com", "alias": "ada-2"}},
    "not an address":         {"json": {"email": "ada.example.com", "alias": "ada-2"}},
    "script in the address":  {"json": {"email": "<script>@example.com", "alias": "ada-2"}},
    "alias with markup":      {"json": {"email": "bob@example.com", "alias": "<b>bob</b>"}},
    "unknown experience":     {"json": {"email": "bob@example.com", "alias": "bob-b", "experience": "guru"}},
    "missing alias":          {"json": {"email": "bob@example.com"}},
    "unexpected field":       {"json": {"email": "bob@example.com", "alias": "bob-b", "admin": True}},
    "not JSON":               {"data": "email=bob", "headers": {"content-type": "application/json"}},
    "wrong content type":     {"data": "bob", "headers": {"content-type": "text/plain"}},
    "oversized body":         {"json": {"email": "bob@example.com", "alias": "x" * 5000}},
}
rows = []
for case, kwargs in cases.items():
    r = requests.post(api, timeout=30, **kwargs)
    err = r.json()["error"]
    rows.append({"case": case, "HTTP": r.status_code, "field": err["field"], "message": err["message"]})
report.table(rows)
"""),
md("""
### A public API is throttled
Every accepted registration spends one of the event's invitations (Cognito's default sender mails 50 a day), so
the API has two limits, both read back here from what is deployed: API Gateway's token bucket on the stage
answers 429 before the function runs, and the function counts accepted registrations per source address.
"""),
code("""
# NBVAL_CHECK_OUTPUT
report.table(st.throttling(session, stack))
"""),
md("""
A burst of requests meets the stage's bucket. These use a private address, so the ones admitted are refused by
the function (400) and nothing is stored or mailed; the rest never reach it (429). The portal page tells a racer
who gets a 429 how long to wait and keeps the form filled in.
"""),
code("""
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

def attempt(i):
    return requests.post(api, json={"email": f"burst{i}@gmail.com", "alias": f"burst-{i}"}, timeout=30).status_code

with ThreadPoolExecutor(max_workers=16) as pool:
    answers = Counter(pool.map(attempt, range(200)))
print("answers:", dict(sorted(answers.items())))  # how many got through depends on this machine's speed
"""),
code("""
# NBVAL_CHECK_OUTPUT
print("the stage answered 429 to some:", answers[429] > 0, "| none were stored:", answers[201] == 0)
"""),
code("""
# NBVAL_CHECK_OUTPUT
settings = {row["setting"]: row["value"] for row in st.throttling(session, stack)}
refill_s = settings["burst (bucket size)"] / settings["requests per second (refill)"]
time.sleep(refill_s)  # the bucket refills at the stage's rate; the next cells start with it full
print(f"waited {refill_s:g} s for the bucket to refill")
"""),
md("""
## 4. The stream does the rest
Each new roster item arrives on the table's stream; the provisioning function invites the racer into the
solution, adds them to the event group and sends the event email. `wait_until_processed` waits for the (local) stream poller to catch up.
"""),
code("""
# NBVAL_CHECK_OUTPUT
wait_until_processed(session, stack)
racers = roster.roster(session, stack)
report.table([{**{k: r.get(k) for k in ("email", "alias", "status", "source", "deepracer")},
               "profile id": bool(r.get("profile_id"))} for r in racers[:3]])
"""),
md("""
### The emails each racer receives
Two: the solution's invitation (from Cognito, or SES once the pool sends through it) with a temporary password,
and the event's own email with the site and the race. In local mode both land in an outbox you can read
(`session.outbox`). In aws mode the mail goes to the racer's real inbox (your SES account must be out of the
sandbox, or the addresses verified).
"""),
code("""
if session.local:
    for mail in session.outbox.list(to="ada.lovelace@example.com"):
        print("From:   ", mail.sender)
        print("Subject:", mail.subject)
        print()
        print(mail.text.replace(mail.text.split("temporary password is: ")[-1].split()[0], "********")
              if "temporary password is:" in mail.text else mail.text)
        print("-" * 60)
else:
    print("aws mode: check the racer's inbox; SES has no API to read sent mail back.")
"""),
md("""
### Registering twice
The conditional put makes a second registration harmless: the racer gets a clear answer and their current status.
"""),
code("""
# NBVAL_CHECK_OUTPUT
status, body = roster.register_via_api(stack, "ADA.LOVELACE@example.com", "ada-again")
print(status, body["error"]["message"])
"""),
md("""
## 5. Bulk import from the HR roster
Organisers often receive a spreadsheet. `bulk_import` applies the API's own validation to every row, invites the
valid ones into the solution with `BulkInviteUser` (at most 200 per call: the model's limit; each job polled
until it is done; existing users are skipped, never invited twice), then writes them with the same conditional
put, so it can be re-run safely; bad rows are reported with their line number and reason.
The roster in `data/racers.csv` is synthetic (made by `data/make_roster.py`) and contains a few bad rows on purpose.
"""),
code("""
# NBVAL_CHECK_OUTPUT
limit = 60 if session.config.quick else None
imported = roster.bulk_import(session, stack, ROSTER_CSV, ALLOWED_DOMAINS, api=reg.admin, limit=limit,
                              progress=False, client_token=f"{EVENT}-roster")
print(imported.summary())
report.table(imported.rejected)
"""),
code("""
# NBVAL_CHECK_OUTPUT
wait_until_processed(session, stack, timeout=300)
counts = roster.status_counts(roster.roster(session, stack))
print(counts)
"""),
code("""
racers = roster.roster(session, stack)
levels = report.table(racers)["experience"].value_counts().reindex(["none", "beginner", "intermediate", "advanced"])
fig, ax = plt.subplots(figsize=(6, 3))
levels.plot.barh(ax=ax, color="#7b2ff7")
ax.set_xlabel("racers"); ax.set_title(f"{len(racers)} racers by ML experience")
plt.tight_layout()
"""),
md("""
## 6. When the identity provider fails
Identity providers throttle and reject. The provisioning function reports the failing record
(`batchItemFailures`); Lambda retries it (`MaximumRetryAttempts: 3`), isolates it (`BisectBatchOnFunctionError`)
and finally **parks** it in the on-failure SQS queue, while the records behind it carry on. Nothing is dropped.

In local mode we can make the identity store misbehave on purpose: it rejects two racers outright and throttles
a fifth of all calls.
"""),
code("""
# NBVAL_CHECK_OUTPUT
trouble = ["rita.levi@example.com", "chien.wu@example.com"]
if session.local:
    faults = session.runtime.faults
    faults.inject("identitystore", when_body_contains=trouble, operations=["CreateUser"], status=400,
                  code="ValidationException", message="user rejected by the identity provider")
    faults.inject("identitystore", rate=0.2, status=400, code="ThrottlingException", message="Rate exceeded")
    more = trouble + [f"late.racer{i}@example.com" for i in range(8)]
    codes = [roster.register_via_api(stack, e, f"late-{i}")[0] for i, e in enumerate(more)]
    wait_until_processed(session, stack, timeout=300)
    stuck = [r for r in roster.roster(session, stack) if r["status"] == "failed"]
    print("registered:", codes.count(201), "| failed:", sorted(r["email"] for r in stuck))
    print("reason:", stuck[0]["status_reason"])
else:
    print("Fault injection exists in local mode only; in aws mode failures come from the real identity provider.")
"""),
code("""
# NBVAL_CHECK_OUTPUT
parked = roster.parked(session, stack)
print(len(parked), "parked batch(es)")
for p in parked:
    info = p["DDBStreamBatchInfo"]
    print(f"  {info['batchSize']} record(s), condition {p['requestContext']['condition']}, "
          f"attempts {p['requestContext']['approximateInvokeCount']}")
"""),
md("""
### Re-drive
Once the cause is fixed (here: the faults are removed), re-drive the parked records: read the parked sequence
range back from the stream and invoke the function with it. Messages that now succeed are deleted from the queue.
"""),
code("""
# NBVAL_CHECK_OUTPUT
if session.local:
    session.runtime.faults.clear()
print(roster.redrive(session, stack))
print(roster.status_counts(roster.roster(session, stack)))
"""),
md("""
## 7. Idempotency: a redelivered record changes nothing
Streams deliver at least once. Replaying an already-processed record must create no second user and send no
second email. We invoke the provisioning function directly with a record it has already handled.
"""),
code("""
# NBVAL_CHECK_OUTPUT
from labs.deepracer_event import identity
streams = session.client("dynamodbstreams")
shard = streams.describe_stream(StreamArn=stack.stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
it = streams.get_shard_iterator(StreamArn=stack.stream_arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
first = [r for r in streams.get_records(ShardIterator=it["ShardIterator"], Limit=50)["Records"]
         if r["eventName"] == "INSERT"][0]
first["eventSourceARN"] = stack.stream_arn
members_before = len(identity.group_members(session, reg.identity))
mails_before = len(session.outbox.list()) if session.local else 0
profiles_before = len(list(reg.admin.profiles()))
resp = session.client("lambda").invoke(FunctionName=stack.provision_function,
                                       Payload=json.dumps({"Records": [first]}, default=str))
print("function answered:", json.loads(resp["Payload"].read()))
print("new group members:", len(identity.group_members(session, reg.identity)) - members_before)
print("new DeepRacer on AWS profiles:", len(list(reg.admin.profiles())) - profiles_before)
if session.local:
    print("new emails:", len(session.outbox.list()) - mails_before)
"""),
md("""
## 8. Offboarding at the end of the event
Close registration, end training, delete every racer's profile on the solution (or keep it with no compute
left: `deepracer="zero"`, so racers can still look at their models), take every racer out of the event group
and delete the identity-store users the workshop created. The roster keeps the history.
"""),
code("""
# NBVAL_CHECK_OUTPUT
from labs.deepracer_event import event
event.update_config(session, EVENT, registration_open=False, sponsorship="ended")
print(roster.offboard(session, stack, reg.identity, api=reg.admin))
print("profiles left on the solution:", sum(p["roleName"] == "dr-racers" for p in reg.admin.profiles()))
print("members left in the group:", len(identity.group_members(session, reg.identity)))
print("sponsorship:", event.load_config(session, EVENT).sponsorship)
"""),
code("""
final = roster.roster(session, stack)
session.record(racers=len(final), offboarded=sum(r["status"] == "offboarded" for r in final),
              emails_sent=len(session.outbox.list()) if session.local else "n/a (aws)",
              parked_after_redrive=len(roster.parked(session, stack)))
"""),
md("""
## What you learned
* A registration API must validate and normalise **before** it writes, and write **once** (conditional put).
* A stream-triggered function gets at-least-once delivery: make every step idempotent (find-or-create users,
  "already exists" from CreateProfile means "already there", claim before you email).
* Report the first failing record, let Lambda retry and bisect, and park what keeps failing where someone can
  see and re-drive it.

Next: the cleanup notebook removes everything tagged `event=<your event>`.
"""),
]
