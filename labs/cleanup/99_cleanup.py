"""Source of notebooks/99_cleanup.ipynb (see helpers.notebooks): edit here, then `make notebooks`."""
from helpers.notebooks import code, md

cells = [
md("""
# 99 · Cleaning up: find everything the workshop made, delete it in order

**What you will build.** The last step of every event: an **inventory** of everything the labs created, found by
the tags every resource carries (`workshop=ml-events`, `event=<name>`) across the services the labs use, and a
**cleanup** that deletes it in the order dependencies need (endpoints before their configs and models, functions
after their event source mappings, VPC endpoints → subnets → security groups → VPC, roles after their policies are
detached...). You look at a **dry run** first, then delete, then check that nothing is left, and run it once more
to see that it is safe to repeat.

**How long:** about 10 minutes (in aws mode allow up to 20: endpoints, notebook instances and Studio domains take
minutes to go). **What it costs:** nothing; it is what stops the costs. KMS keys are *scheduled* for deletion with a
7-day waiting period (the minimum AWS allows), and training jobs stay as records: SageMaker keeps them and they
cost nothing.
"""),
md("""
## Parameters
`EVENT` picks the event to clean up (only resources tagged `event=<EVENT>` are touched). With `DRY_RUN_ONLY = True`
the notebook shows what it would delete and stops there.
"""),
code("""
MODE = "auto"
PROFILE = "auto"     # "quick" (small runs, as CI), "full", or "auto": WORKSHOP_PROFILE, else full
EVENT = "summit-cup"
DRY_RUN_ONLY = False
""", "parameters"),
code("""
from helpers import get_session, report
from helpers.resources import cleanup, inventory
from labs.cleanup import rehearsal as footprint

session = get_session(MODE, event=EVENT, profile=PROFILE)
print(f"mode: {session.mode}, region: {session.region}")
"""),
md("""
## 1. Local mode: rebuild what the labs made
Each notebook runs in a fresh kernel, and in local mode each kernel has its own embedded AWS runtime: this notebook
starts from an **empty** account. So that the cleanup has something real to do, it first rebuilds a representative
footprint of labs 01–06 **with the labs' own helpers** (the registration stack of lab 02, the endpoint helper of lab
04, the secure project of lab 06...), and says so. In aws mode this cell does nothing: the cleanup works on what
your labs really created.
"""),
code("""
# NBVAL_CHECK_OUTPUT
if session.local:
    built = footprint.recreate(session, EVENT)
    print("local mode: rebuilt the labs' footprint for", EVENT)
    display(built.table())
else:
    print("aws mode: nothing is rebuilt; the cleanup finds what the labs created in this account.")
"""),
md("""
## 2. The inventory, by tag
`inventory.list_resources` asks each service for its resources and keeps those tagged `workshop=ml-events` and
`event=<EVENT>`. A few things carry no tags the workshop can read, so the labs' **naming conventions** find them
(column *found by*):

| What | Found by |
|---|---|
| identity-store racer group | its name, `<event>-racers` (`labs.deepracer_event.identity`) |
| racers' users and group memberships | members of that group, and the `user_id`s in the event's roster table |
| budget | its name, `<event>-deepracer` (`labs.deepracer_event.spend`) |
| event source mappings | the workshop's functions they feed |
| Lambda log groups | those of the workshop's functions, and `/aws/lambda/<event>-*` |
| permission set (local mode) | its name, `<event>-racer` (the emulator cannot read its tags) |
| notebook lifecycle configs, Studio user profiles/apps, the home EFS | the notebook instance / domain they belong to |

In aws mode the **Resource Groups Tagging API** is asked as well, so that anything tagged which no lister knows
still shows up (the cleanup then asks a person to delete it).
"""),
code("""
found = inventory.list_resources(session, event=EVENT)
print(inventory.summary(found))
inventory.inventory_table(found)
"""),
md("The same, counted by kind:"),
code("""
# NBVAL_CHECK_OUTPUT
report.table([{"kind": k, "count": n} for k, n in found.kinds().items()])
"""),
md("""
### What the inventory could not look at
Where a service (or, in local mode, the emulator) lacks an API, the inventory says so instead of failing. moto 5.2,
for example, does not implement Studio user profiles or apps, nor listing lifecycle configurations.
"""),
code("""
# NBVAL_CHECK_OUTPUT
inventory.gaps_table(found)
"""),
md("""
## 3. The plan, as a dry run
`cleanup.plan` orders the resources into phases; `cleanup.run(..., dry_run=True)` only says what would happen.
Read it before you delete anything: every row is one resource, in the order it will go.
"""),
code("""
# NBVAL_CHECK_OUTPUT
steps = cleanup.plan(session, found)
dry = cleanup.run(session, steps, dry_run=True)
print(dry.summary())
dry.table()
"""),
md("""
## 4. Delete
Each phase retries what cannot be deleted *yet* with exponential backoff (an endpoint still `Creating`, a notebook
instance still `Stopping`, a subnet whose network interfaces Lambda or SageMaker has not released): a retry line is
printed for each wait. What still refuses when the phase's time budget is spent is reported as `failed` with the
reason, never skipped silently. A bucket goes with every object version and delete marker; a role with its inline
policies, managed-policy attachments and instance profiles.
"""),
code("""
if DRY_RUN_ONLY:
    print("DRY_RUN_ONLY is set: nothing was deleted.")
    result = dry
else:
    result = cleanup.run(session, steps, dry_run=False, log=print)
result.table()
"""),
code("""
# NBVAL_CHECK_OUTPUT
print(result.summary())
for o in result.failed:
    print(f"  not deleted: {o.step.label}: {o.reason}")
"""),
md("""
## 5. Check: nothing is left
A fresh inventory, by tag, as in step 2. Training jobs are immutable records and are kept on purpose, so they are
counted apart.
"""),
code("""
# NBVAL_CHECK_OUTPUT
after = inventory.list_resources(session, event=EVENT)
left = [r for r in after if r.kind != "training-job"]
kept = [r for r in after if r.kind == "training-job"]
print(f"{len(left)} workshop resources left for event {EVENT}")
print(f"kept on purpose: {len(kept)} training job record(s)")
"""),
md("""
## 6. Run it again
A cleanup must be safe to repeat (a cell re-run, a second person, a half-finished first attempt). The same plan
again finds everything gone:
"""),
code("""
# NBVAL_CHECK_OUTPUT
again = cleanup.run(session, steps, dry_run=DRY_RUN_ONLY, progress=False)
print(again.summary())
"""),
code("""
session.record(found=len(found), kinds=len(found.kinds()), deleted=result.counts().get("deleted", 0),
              failed=len(result.failed), left=len(left), kept_training_jobs=len(kept),
              emulator_gaps=len(found.gaps))
"""),
md("""
## What the cleanup does not do (aws mode)
* **DeepRacer**: the DeepRacer console and its multi-user mode were retired at the end of 2025, so there is nothing
  to deactivate. An event run on its successor, DeepRacer on AWS, ends by deleting that solution's CloudFormation
  stack (it is not tagged by this workshop, so the cleanup leaves it to you).
* The account's **default SageMaker bucket** (`sagemaker-<region>-<account>`) and the SES sender identity existed
  before the workshop and are not tagged by it: the training data, model artifacts and deployment packages the labs
  put there under `workshop/` stay. Delete that prefix by hand if you no longer need it.
* The `event` **cost allocation tag** you activated in Billing stays activated (it costs nothing).
* CloudWatch log groups other than the functions' `/aws/lambda/<event>-*` (training jobs, endpoints) are kept:
  they hold the logs you may still want to read; set a retention period on them instead.

## What you learned
* Tag everything you create, from the first lab: the tags are how you find it again, and how a budget filters spend.
* Some APIs keep no tags (identity-store users and groups, budgets in some tools, event source mappings): give such
  resources names that say which event they belong to, and document the convention.
* Delete in dependency order, retry what is still changing state, report what refuses with the reason, and make
  the whole thing safe to run twice.
"""),
]
