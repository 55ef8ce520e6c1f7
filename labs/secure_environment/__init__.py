"""Securing the ML environment (lab 06): the project's network, encryption, preventive and
corrective controls, and the evaluator that proves the preventive ones decide as intended.

* `project`: one idempotent `provision()` (and `teardown()`) for a named project, built from:
  `network` (private VPC, subnets in two zones, security groups, VPC endpoints with policies),
  `encryption` (customer-managed key, SSE-KMS versioned bucket, bucket policy),
  `lifecycle` (notebook lifecycle configuration without root), `corrective` (the Lambda function
  that stops SageMaker resources created outside the VPC, and its CloudTrail/EventBridge trigger),
  `lineage` (experiment, trial and the data version of a training run).
* `policies` builds the policy documents (pure functions, no AWS calls); `evaluate` runs concrete
  requests against them, offline (the `@cloud-copilot/iam-simulate` evaluator in `iam_eval/`) or
  through IAM's own simulator; `lint` runs checkov on them.
"""
