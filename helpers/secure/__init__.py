"""Securing the ML environment (lab 06): the project's network, encryption, preventive and
corrective controls, and the evaluator that proves the preventive ones decide as intended.

`policies` builds the policy documents (pure functions, no AWS calls); `evaluate` runs concrete
requests against them, offline or through IAM's own simulator.
"""
