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
    max_per_request: int = 0  # >0: each distinct request (operation + body) fails at most this often
    hits: int = 0
    seen: dict = field(default_factory=dict, repr=False)


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
               message: str = "Injected fault: the service is unavailable",
               max_per_request: int = 0) -> FaultRule:
        """Add a rule. `rate` fails that fraction of matching calls; `when_body_contains`
        fails every call whose request body contains one of the strings. `max_per_request`
        bounds how often the same request (operation and body) is failed, so a test can make
        every call fail once and be sure its retry gets through (a transient fault with a
        deterministic outcome, where a random rate would sometimes exhaust the retries)."""
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate must be between 0 and 1, got {rate}")
        if max_per_request < 0:
            raise ValueError(f"max_per_request must be 0 (no bound) or more, got {max_per_request}")
        rule = FaultRule(service, rate, tuple(when_body_contains), tuple(operations), status, code, message,
                         max_per_request)
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
                if hit and rule.max_per_request:
                    key = (call.operation, call.body)
                    if rule.seen.get(key, 0) >= rule.max_per_request:
                        continue
                    rule.seen[key] = rule.seen.get(key, 0) + 1
                if hit:
                    rule.hits += 1
                    return json_error(rule.status, rule.code, rule.message)
        return None
