"""Fault injection: make a service fail the way real services sometimes do.

Used by the registration lab and benchmark to show that identity-provider
failures are retried and, when they persist, parked rather than lost. It is a
*before* hook of the gateway: it sees every call first and may answer it. A
rule (service = the SigV4 signing name; operations = decoded operation
names) fails a fraction of a service's calls (transient, like throttling or a 5xx)
or every call whose body mentions a given string (persistent, like a user
the identity provider keeps rejecting).
"""
from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

from werkzeug.wrappers import Response

from helpers.emulator.gateway import Call, json_error


@dataclass
class FaultRule:
    service: str
    rate: float = 0.0
    when_body_contains: tuple[str, ...] = ()
    operations: tuple[str, ...] = ()
    status: int = 500
    code: str = "InternalServerException"
    message: str = "Injected fault: the service is unavailable"
    hits: int = 0


@dataclass
class FaultInjector:
    seed: int = 7
    rules: list[FaultRule] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()

    def inject(self, service: str, *, rate: float = 0.0, when_body_contains: list[str] | tuple[str, ...] = (),
               operations: list[str] | tuple[str, ...] = (), status: int = 500,
               code: str = "InternalServerException",
               message: str = "Injected fault: the service is unavailable") -> FaultRule:
        """Add a rule. `rate` fails that fraction of matching calls; `when_body_contains`
        fails every call whose request body contains one of the strings."""
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate must be between 0 and 1, got {rate}")
        rule = FaultRule(service, rate, tuple(when_body_contains), tuple(operations), status, code, message)
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def __call__(self, call: Call) -> Response | None:
        if not self.rules:
            return None
        with self._lock:
            for rule in self.rules:
                if rule.service != call.service:
                    continue
                if rule.operations and call.operation not in rule.operations:
                    continue
                hit = False
                if rule.when_body_contains:
                    body = call.body.decode("utf-8", "replace").lower()
                    hit = any(s.lower() in body for s in rule.when_body_contains)
                if not hit and rule.rate > 0:
                    hit = self._rng.random() < rule.rate
                if hit:
                    rule.hits += 1
                    return json_error(rule.status, rule.code, rule.message)
        return None
