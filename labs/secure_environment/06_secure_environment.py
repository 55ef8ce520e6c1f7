"""Source of notebooks/06_secure_environment.ipynb (see helpers.notebooks): edit here, then `make notebooks`."""
from helpers.notebooks import code, md

cells = [
md("""
# 06 · A secure environment for an ML project

**What you will build.** The environment one ML project works in, set up the way a security review expects,
and each control shown working:

1. **Network** — a private project VPC (no internet gateway), private subnets in two availability zones,
   security groups, and VPC endpoints (S3 gateway; SageMaker API and runtime, STS and CloudWatch Logs interface
   endpoints) whose policies let through only the project's buckets and this account's principals.
2. **Encryption** — a customer-managed KMS key; the project bucket with default SSE-KMS, versioning and a bucket
   policy that refuses requests not coming through the project's endpoint, over plain HTTP, or without the key;
   the key on every SageMaker volume the lab creates; encrypted traffic between training instances.
3. **Preventive controls** — IAM policies on a per-project data-scientist role (and the same guardrails as an
   organization SCP document), *proven* with an IAM policy evaluator, request by request.
4. **A corrective control** — an EventBridge rule on CloudTrail's record of SageMaker `Create*` calls triggers a
   Lambda function that stops any notebook instance or training job created outside the project VPC, and
   records what it did.
5. **Notebook OS policy** — a lifecycle configuration and `RootAccess="Disabled"`: no root for data scientists.
6. **Traceability and cost** — `project` and `environment` tags on everything, an experiment trial that pins the
   training data's version, and an inventory (local) or cost report (aws) by tag.

**How long:** about 25 minutes. **What it costs (aws mode):** the four interface endpoints cost about $0.01 per hour
per zone each (≈ $0.08/h for the project), the KMS key $1 per month (prorated), two `ml.t3.medium` notebook
instances and an `ml.m5.large` training job for a few minutes (cents). Lambda, EventBridge and DynamoDB stay in the
free tier. The last cell deletes everything. In local mode it all runs on this machine for free.
"""),
md("""
## Parameters
`TEARDOWN=False` keeps the project environment for the next lab (only the notebook instances are removed).
"""),
code("""
MODE = "auto"
PROFILE = "auto"     # "quick" (small runs, as CI), "full", or "auto": WORKSHOP_PROFILE, else full
EVENT = "summit-cup"
PROJECT = "review-insights"     # 3-20 characters; becomes part of bucket, role and function names
ENVIRONMENT = "dev"             # dev | test | prod: a tag on everything and part of every name
INSTANCE_TYPE = "ml.m5.large"   # the training job (aws mode): one of the guardrails' allowed types
TEARDOWN = True                 # the last cell deletes everything this notebook made
""", "parameters"),
code("""
from helpers import get_session, jobs, report
from labs.secure_environment import corrective, encryption, evaluate, lifecycle, lineage, network, project as secure_project
from labs.summarizer import model as summarizer, trainer as summarizer_lab

session = get_session(MODE, event=EVENT, profile=PROFILE)
print(f"mode: {session.mode}, region: {session.region}")
"""),
md("""
## 1. Provision the project, in one call
`secure_project.provision` builds every piece below, or finds it: each resource is looked up by its tags and name
first, so running the cell again creates nothing new. Everything carries the workshop's tags (`workshop`, `event`)
plus `project` and `environment`, which is how the cost report and the cleanup find it later.
"""),
code("""
project = secure_project.provision(session, PROJECT, ENVIRONMENT)
for note in project.notes:
    print(note)
"""),
code("""
# NBVAL_CHECK_OUTPUT
report.table(project.rows())
"""),
md("Run it again: the second call finds every resource by its tags and names, so the ids are the same."),
code("""
# NBVAL_CHECK_OUTPUT
again = secure_project.provision(session, PROJECT, ENVIRONMENT)
print("second provisioning found the same resources:", again.ids() == project.ids())
report.table([{"tag": k, "value": v} for k, v in project.tags.items()])
"""),
md("""
## 2. The network: private, and only the way out we chose
No internet gateway and no NAT gateway: nothing in these subnets can reach the internet, and nothing on the internet
can reach in. The AWS APIs a notebook or a training job needs are reached through **VPC endpoints** instead: a
gateway endpoint for S3 (a route in the subnets' route table) and interface endpoints (network interfaces in each
subnet) for the SageMaker API, the SageMaker runtime, STS and CloudWatch Logs.
"""),
code("""
# NBVAL_CHECK_OUTPUT
net = secure_project.network_of(project)
report.table([{"property": k, "value": v} for k, v in network.facts(session, net).items()])
"""),
md("""
Each endpoint has its own **endpoint policy**, a second filter after IAM. The S3 endpoint lets through only the
project's buckets (plus the SageMaker SDK's staging bucket and ECR's image-layer bucket that training needs): copying
data to a personal bucket from inside the VPC goes nowhere. Every endpoint accepts only this account's principals,
so credentials stolen from another account are useless here.
"""),
code("""
# NBVAL_CHECK_OUTPUT
report.table(network.endpoint_rows(session, net))
"""),
md("""
The security groups allow exactly three things: the workload (notebooks, training instances) talks to itself
(distributed training), and reaches the interface endpoints and S3 on port 443. New groups may send anywhere by
default; that rule was removed.
"""),
code("""
# NBVAL_CHECK_OUTPUT
report.table(network.security_group_rows(session, net))
"""),
md("""
## 3. Encryption at rest
The project's **customer-managed key** has a key policy that separates duties: administrators manage the key but
cannot decrypt with it; the data scientists and the execution role use it. The project bucket encrypts every object
with it by default (with an S3 bucket key, which cuts KMS calls), keeps every version, and blocks public access.
"""),
code("""
# NBVAL_CHECK_OUTPUT
key = secure_project.key_of(project)
report.table([{"property": k, "value": v} for k, v in encryption.key_facts(session, key).items()])
"""),
code("""
# NBVAL_CHECK_OUTPUT
report.table([{"bucket": "project" if b == project.bucket else "carries the bucket policy",
               **encryption.bucket_facts(session, b, key)} for b in dict.fromkeys([project.bucket, project.policy_bucket])])
"""),
md("""
The bucket policy denies, for everyone: requests that do not come through the project's S3 endpoint
(`aws:SourceVpce`), requests over plain HTTP (`aws:SecureTransport`), and puts that are not SSE-KMS with the
project key. So uploads name the key explicitly, as below. (In local mode the policy sits on a bucket of its own,
see the note under step 1; the decision table in step 4 shows what it allows.)

The training data goes into the versioned bucket; its **version id** is the data version the experiment records
in step 7.
"""),
code("""
# NBVAL_CHECK_OUTPUT
DATA_KEY = "data/reviews/train.csv"
data = lineage.upload_dataset(session, project.bucket, DATA_KEY, (summarizer.DATA / "train.csv").read_bytes(), key)
report.table([encryption.object_facts(session, project.bucket, DATA_KEY, key)])
"""),
md("""
## 4. Preventive controls on the data-scientist role
The project's data scientists work as `<project>-<environment>-data-scientist`, a role tagged `project=<project>`.
Two policies are attached:

* the **identity policy**: read SageMaker, create resources only tagged for their own project, manage only their
  own project's resources (ABAC: `aws:ResourceTag/project` must equal `${aws:PrincipalTag/project}`), pass only the
  project's execution role, use only the project's buckets; and explicit denies for SageMaker work without the
  project's subnets and security group, without a volume KMS key, on an instance type outside the allow-list, or a
  notebook with internet access or root;
* the **guardrails**: the same denies as an organization service control policy. In an organization the
  management account attaches this document as an SCP (`organizations.create_policy(Type="SERVICE_CONTROL_POLICY")`)
  so that it binds every role of the account, including ones nobody thought to restrict; attached to the role it
  needs no organization.
"""),
code("""
roles = secure_project.role_rows(session, project)
report.table(roles)
"""),
code("""
# NBVAL_CHECK_OUTPUT
print("policies attached:", [r["policy"] for r in roles])
print("role tagged with its project:", all(r["role tag project"] == PROJECT for r in roles))
print("each within IAM's 6,144-character limit:", all(r["within limit"] for r in roles))
"""),
md("""
### Proving the controls hold
A policy that *looks* right is not evidence. Each row below is a concrete request — a training job without a VPC,
a put without the key, a stop on another project's job, a read from outside the VPC — evaluated against the
project's policies by a real IAM policy evaluator (offline: the `@cloud-copilot/iam-simulate` engine, which
implements AWS's evaluation logic and every condition operator; in aws mode: IAM's own policy simulator). The
emulator cannot do this: it ignores most conditions.
"""),
code("""
cases = evaluate.standard_cases(PROJECT, session.account_id, session.region, project.s3_endpoint, project.bucket,
                                project.kms_key_arn, subnet_ids=project.subnet_ids,
                                security_group_ids=[project.workload_security_group])
decisions = evaluate.decision_table(cases, session.mode, iam=session.client("iam"))
print(f"{len(decisions)} requests, {int(decisions['ok'].sum())} decided as intended")
decisions[["case", "layer", "expected", "decision", "ok", "decided by"]]
"""),
code("""
# NBVAL_CHECK_OUTPUT
print("every request decided as intended:", bool(decisions["ok"].all()))
print("layers covered:", sorted(decisions["layer"].unique()))
"""),
md("""
## 5. No root on notebooks
The project's **lifecycle configuration** runs as root each time a notebook instance starts, before anyone logs in:
it removes any sudo rule for the notebook user and, when the project has a private package repository, points pip
at it. `RootAccess="Disabled"` on the instance is what SageMaker enforces (the guardrails deny creating a notebook
without it). Here is a compliant instance: private subnet, project security group, KMS-encrypted volume, no direct
internet access, no root; and what SageMaker reports back.
"""),
code("""
since = corrective.timestamp()
private_nb, open_nb = project.scope.name("private"), project.scope.name("open")
lifecycle.create_notebook_instance(session, project.scope, private_nb, role_arn=session.role_arn,
                                   subnet_id=project.subnet_ids[0], security_group_ids=[project.workload_security_group],
                                   kms_key_id=project.kms_key_arn, lifecycle_config=project.lifecycle_config)
settings = lifecycle.read_back(session, private_nb)
print(settings.pop("on-start script"))
"""),
code("""
# NBVAL_CHECK_OUTPUT
report.table([settings])
"""),
md("""
## 6. The corrective control
Preventive controls sit on the roles they were attached to. This notebook runs as the workshop's execution role,
which does not carry them: exactly the kind of gap a **corrective** control is for. The pieces:
"""),
code("""
# NBVAL_CHECK_OUTPUT
control = secure_project.control_of(session, project)
report.table(control.describe())
"""),
md("""
Now create a notebook instance the way nobody should: no VPC, direct internet access, root. CloudTrail records the
`CreateNotebookInstance` call; EventBridge matches it against the rule and invokes the function, which reads the
instance's description, finds no VPC attachment and stops it. The compliant instance from step 5 went through the
same path and was left running. In local mode the runtime's CloudTrail stand-in emits the same event after the call,
and the Lambda runner runs the same function code.
"""),
code("""
lifecycle.create_notebook_instance(session, project.scope, open_nb, role_arn=session.role_arn,
                                   root_access="Enabled", direct_internet="Enabled")
print(corrective.trail_status(session))
"""),
code("""
# NBVAL_CHECK_OUTPUT
decided = corrective.wait_for_decisions(session, control, [private_nb, open_nb], since=since)
report.table([{"notebook instance": name, "decision": d["action"], "why": "; ".join(d["reasons"]),
               "status now": corrective.settled_status(session, "notebook-instance", name)}
              for name, d in decided.items()])
"""),
md("The function's own record of it, from its log in CloudWatch Logs:"),
code("""
for line in corrective.function_log(session, control, contains='"action"')[-2:]:
    print(line)
"""),
md("""
## 7. A training job the way the project runs them
A small script (`labs/secure_environment/job/train.py`: a word-count sentiment model of the reviews, seconds to train; what
matters here is *how* it runs) goes through the same trainer as lab 03 with the security settings on: the project's
subnets and security group, the project key on the training volume and on the model artifacts, and encrypted traffic
between instances (`EnableInterContainerTrafficEncryption`). It reads the training data through the project VPC.
"""),
code("""
hp = {"min-count": 3}
channels = {"train": f"s3://{project.bucket}/data/reviews/"}
since = corrective.timestamp()
job_name = summarizer_lab.launch(session, secure_project.trainer(session, project, hp, instance_type=INSTANCE_TYPE),
                                 channels)
desc = jobs.follow_training_job(session, job_name)
"""),
code("""
# NBVAL_CHECK_OUTPUT
report.table([{"property": k, "value": v} for k, v in secure_project.job_facts(session, job_name, project).items()])
"""),
md("""
And one without the network settings, left running longer than it needs to: the corrective control stops it while
it runs. The compliant job was checked too, and left alone.
"""),
code("""
linger = 60 if session.config.quick else 300
open_job = summarizer_lab.launch(session, secure_project.trainer(session, project, {**hp, "linger-seconds": linger},
                                                                 instance_type=INSTANCE_TYPE, compliant=False), channels)
print("launched", open_job)
"""),
code("""
# NBVAL_CHECK_OUTPUT
decided_jobs = corrective.wait_for_decisions(session, control, [job_name, open_job], since=since)
report.table([{"training job": "in the project VPC" if name == job_name else "without VPC config",
               "decision": d["action"], "why": "; ".join(d["reasons"]),
               "status now": corrective.settled_status(session, "training-job", name)}
              for name, d in decided_jobs.items()])
"""),
md("""
## 8. Traceability: which data made this model?
The run is recorded as a trial of the project's experiment. Its trial component names the job, its hyperparameters,
the model it wrote and the training data **by version id and SHA-256**: a path alone says nothing once the file is
replaced.
"""),
code("""
run = lineage.record_run(session, project.scope, project.experiment, job=desc, data=data, hyperparameters=hp)
report.table(lineage.lineage_rows(session, run["trial"]))
"""),
md("""
Now the dataset moves on (the validation reviews are added to it). The bucket keeps the old version, so the run
stays reproducible: the version it recorded is still there, byte for byte.
"""),
code("""
# NBVAL_CHECK_OUTPUT
more = (summarizer.DATA / "validation.csv").read_bytes().split(b"\\n", 1)[1]
lineage.upload_dataset(session, project.bucket, DATA_KEY, (summarizer.DATA / "train.csv").read_bytes() + more, key)
print("versions of the dataset now:", len(lineage.versions(session, project.bucket, DATA_KEY)) >= 2)
report.table([lineage.check_pinned(session, run["trial"])])
"""),
md("""
## 9. What the project owns, and what it costs
Every resource carries `project` and `environment`, so one query answers "what does this project own?": the
workshop's inventory, filtered on the project tag.
"""),
code("""
owned = secure_project.inventory(session, project)
kinds = {}
for r in owned:
    kinds[f"{r.service}: {r.kind}"] = kinds.get(f"{r.service}: {r.kind}", 0) + 1
report.table([{"resource": k, "count": v} for k, v in sorted(kinds.items())])
"""),
code("""
# NBVAL_CHECK_OUTPUT
core = {"ec2: vpc", "ec2: subnet", "ec2: vpc-endpoint", "kms: key", "s3: bucket", "iam: role", "lambda: function",
        "events: rule", "dynamodb: table", "sagemaker: notebook-instance", "sagemaker: training-job"}
print("every core piece of the project is found by its tags:", core <= set(kinds))
"""),
md("""
In aws mode Cost Explorer groups the bill by the same tag (activate `project` as a cost allocation tag in the
Billing console once; costs appear about a day later).
"""),
code("""
costs = secure_project.cost_by_tag(session, "project")
if costs is None:
    print("local mode: there is no bill to read; in aws mode this cell shows the last 30 days' cost per project and service")
else:
    display(report.table(costs))
"""),
code("""
session.record(
    secure_project_resources=len(owned),
    policy_decisions_as_intended=f"{int(decisions['ok'].sum())}/{len(decisions)}",
    corrective_control={name.rsplit("-", 1)[-1]: d["action"] for name, d in decided.items()},
    noncompliant_job=corrective.settled_status(session, "training-job", open_job),
    training_job=desc["TrainingJobStatus"],
    data_version_pinned=all(lineage.check_pinned(session, run["trial"]).values()),
)
"""),
md("""
## 10. Clean up
With `TEARDOWN=True` this deletes everything the notebook made, in dependency order: notebook instances, the
corrective control, the experiment, the role and policies, the buckets (every version), the endpoints and the VPC;
the KMS key is scheduled for deletion after the minimum 7 days. Training jobs are records SageMaker keeps; they cost
nothing. Notebook 99 deletes everything the workshop tagged, this project included.
"""),
code("""
# NBVAL_CHECK_OUTPUT
if TEARDOWN:
    removed = secure_project.teardown(session, PROJECT, ENVIRONMENT)
else:
    removed = {"notebook instances": sum(lifecycle.delete_notebook_instance(session, n) for n in (private_nb, open_nb))}
report.table([{"deleted": k, "count": v} for k, v in removed.items()])
"""),
]
