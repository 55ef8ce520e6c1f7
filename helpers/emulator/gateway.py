"""The front door of the embedded runtime: one loopback port, many services.

Every SDK call in local mode reaches this WSGI app. It works out which AWS
service a request is for (the SigV4 credential scope, as AWS itself does),
gives each stand-in a chance to answer it, and forwards everything else to
moto. Stand-ins therefore sit *behind the same API* as the real service: the
notebook, the handlers and the SDKs cannot tell the difference.
"""
from __future__ import annotations

import io
import json
import re
import threading
from dataclasses import dataclass
from typing import Callable, Protocol

from werkzeug.wrappers import Request, Response

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")


@dataclass
class Call:
    """One incoming request, with the service it addresses already decoded."""

    service: str
    region: str
    method: str
    path: str
    headers: dict[str, str]
    query: dict[str, str]
    body: bytes

    def json(self) -> dict:
        if not self.body:
            return {}
        return json.loads(self.body)

    @property
    def target(self) -> str:
        """The JSON-protocol operation name (X-Amz-Target), or ''."""
        return self.headers.get("x-amz-target", "").split(".")[-1]


class StandIn(Protocol):
    def handle(self, call: Call, forward: Callable[[Call], Response]) -> Response | None:
        """Answer the call, or return None to let moto answer it."""


def decode_call(request: Request, body: bytes) -> Call:
    auth = request.headers.get("Authorization", "")
    match = _SCOPE.search(auth)
    service, region = ("", "")
    if match:
        region, service = match.group(1), match.group(2)
    return Call(
        service=service,
        region=region,
        method=request.method,
        path=request.path,
        headers={k.lower(): v for k, v in request.headers.items()},
        query={k: v for k, v in request.args.items()},
        body=body,
    )


def json_error(status: int, code: str, message: str, *, query_protocol: bool = False) -> Response:
    """An error shaped like AWS's JSON protocols (what botocore parses into ClientError)."""
    body = {"__type": code, "message": message, "Message": message}
    resp = Response(json.dumps(body), status=status, mimetype="application/x-amz-json-1.1")
    resp.headers["x-amzn-ErrorType"] = code
    return resp


class Gateway:
    """WSGI app: stand-ins first, moto for the rest."""

    def __init__(self, moto_app) -> None:
        self.moto_app = moto_app
        # moto's backends are plain dicts and lists, not thread-safe: two
        # concurrent CreateUser calls can both pass a uniqueness check, or
        # crash iterating a dict another thread grows. AWS is consistent, so
        # calls into moto are serialised (the GIL serialises them anyway).
        self._moto_lock = threading.Lock()
        self.standins: list[StandIn] = []
        self.before: list[Callable[[Call], Response | None]] = []

    def add(self, standin: StandIn) -> None:
        self.standins.append(standin)

    def forward(self, call: Call, environ: dict | None = None) -> Response:
        """Send a call to moto and return its response (used by stand-ins too)."""
        env = dict(environ or self._environ_for(call))
        env["wsgi.input"] = io.BytesIO(call.body)
        env["CONTENT_LENGTH"] = str(len(call.body))
        with self._moto_lock:
            try:
                return Response.from_app(self.moto_app, env, buffered=True)
            except NotImplementedError as exc:
                # moto raises this for operations it lacks; answer like a service would
                return json_error(501, "NotImplemented", f"not available in the local runtime: {exc}")

    def _environ_for(self, call: Call) -> dict:
        from werkzeug.test import EnvironBuilder

        builder = EnvironBuilder(
            path=call.path, method=call.method, headers=call.headers,
            query_string=call.query, data=call.body,
        )
        return builder.get_environ()

    def __call__(self, environ, start_response):
        request = Request(environ)
        body = request.get_data(cache=True)
        call = decode_call(request, body)
        forward = lambda c: self.forward(c, environ if c is call else None)  # noqa: E731
        for hook in self.before:
            response = hook(call)
            if response is not None:
                return response(environ, start_response)
        for standin in self.standins:
            response = standin.handle(call, forward)
            if response is not None:
                return response(environ, start_response)
        return self.forward(call, environ)(environ, start_response)
