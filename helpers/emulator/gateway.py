"""The front door of the embedded runtime: one loopback port, many services.

Every SDK call in local mode reaches this WSGI app. It decodes which AWS
service and operation a request is for, the way AWS does (the SigV4
credential scope names the service; `X-Amz-Target` names a JSON-protocol
operation, `Action` a query-protocol one, and a REST-protocol operation is
the one whose method and request URI in botocore's service model match the
request), then:

1. runs the *before* hooks (fault injection), any of which may answer;
2. looks the call up in one routing table, `(service, operation) -> handler`,
   built from the stand-ins' `routes()` (plus explicit path prefixes for
   URLs that are not AWS APIs, like an HTTP API's `/_aws/execute-api/...`);
   a routed handler answers, usually by asking moto first (`forward`) and
   then doing the work moto does not; an unrouted call goes straight to moto;
3. runs the *response* hooks registered for that `(service, operation)` with
   the call and the response (CloudTrail events after a SageMaker Create*).

Stand-ins therefore sit *behind the same API* as the real service: the
notebook, the handlers and the SDKs cannot tell the difference.

The service in a routing key is botocore's name for the API (`apigatewayv2`,
`sesv2`, `sagemaker-runtime`), which is not always the SigV4 signing name
(`apigateway`, `ses`, `sagemaker`): `Call.service` keeps the signing name
(fault rules use it), `Call.api` is the botocore name the request decoded to.
"""
from __future__ import annotations

import functools
import io
import json
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Mapping, Protocol
from urllib.parse import parse_qs

from werkzeug.wrappers import Request, Response

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")
_REST_PROTOCOLS = ("rest-json", "rest-xml")


@dataclass
class Call:
    """One incoming request, with the service and operation it addresses already decoded."""

    service: str  # the SigV4 signing name ("" for unsigned requests)
    region: str
    method: str
    path: str
    headers: dict[str, str]
    query: dict[str, str]
    body: bytes
    api: str = ""  # botocore's service name, when the request decoded to one of the gateway's services
    operation: str = ""  # the operation name ("" when it could not be decoded)
    path_params: dict[str, str] = field(default_factory=dict)  # REST URI labels, e.g. {"FunctionName": ...}
    remote_addr: str = ""  # the TCP peer (WSGI REMOTE_ADDR): an HTTP API's requestContext.http.sourceIp

    def json(self) -> dict:
        if not self.body:
            return {}
        return json.loads(self.body)

    @property
    def target(self) -> str:
        """The JSON-protocol operation name (X-Amz-Target), or ''."""
        return self.headers.get("x-amz-target", "").split(".")[-1]


Handler = Callable[[Call, Callable[[Call], Response]], "Response | None"]
ResponseHook = Callable[[Call, Response], None]


@dataclass(frozen=True)
class PathPrefix:
    """A routing key for requests that are not AWS API calls: every path under `prefix`."""

    prefix: str


class StandIn(Protocol):
    def routes(self) -> Mapping[tuple[str, str] | PathPrefix, Handler]:
        """`{(botocore service, operation) or PathPrefix: handler}`; a handler gets the call and
        `forward` (moto's answer to a call) and returns the response."""


# -- botocore models: which operation a request is -------------------------------------------------
_botocore_lock = threading.Lock()
_botocore_session = None


@functools.lru_cache(maxsize=None)
def service_model(service: str):
    """botocore's model of a service (loaded once per process)."""
    global _botocore_session
    with _botocore_lock:
        if _botocore_session is None:
            import botocore.session

            _botocore_session = botocore.session.get_session()
        return _botocore_session.get_service_model(service)


@dataclass(frozen=True)
class _Template:
    operation: str
    regex: re.Pattern
    labels: tuple[str, ...]
    query: tuple[tuple[str, str | None], ...]  # literal query parts of the request URI ("?List=ALL")
    rank: tuple[int, int, int]


def _compile_uri(operation: str, uri: str) -> _Template:
    path, _, query = uri.partition("?")
    pattern, labels, literal, greedy = "", [], 0, 0
    for part in re.split(r"(\{[^}]+\})", path.rstrip("/")):
        if part.startswith("{") and part.endswith("}"):
            name = part[1:-1]
            if name.endswith("+"):
                labels.append(name[:-1])
                pattern += "(.+)"
                greedy += 1
            else:
                labels.append(name)
                pattern += "([^/]+)"
        elif part:
            pattern += re.escape(part)
            literal += len(part)
    reqs = []
    for item in filter(None, query.split("&")):
        key, eq, value = item.partition("=")
        reqs.append((key, value if eq else None))
    # the most specific template wins: more literal query parts, more literal path, no greedy label
    return _Template(operation, re.compile("^" + pattern + "/?$"), tuple(labels), tuple(reqs),
                     (len(reqs), literal, -greedy))


@dataclass(frozen=True)
class _Api:
    """What decoding needs of one botocore service model."""

    service: str
    signing_name: str
    protocol: str
    target_prefix: str
    by_method: dict[str, tuple[_Template, ...]]


@functools.lru_cache(maxsize=None)
def api_matcher(service: str) -> _Api:
    """The compiled request matcher of one service (built once per process)."""
    model = service_model(service)
    meta = model.metadata
    protocol = meta.get("protocol") or (meta.get("protocols") or [""])[0]
    by_method: dict[str, list[_Template]] = {}
    if protocol in _REST_PROTOCOLS:
        for name in model.operation_names:
            http = model.operation_model(name).http
            by_method.setdefault(http.get("method", "POST"), []).append(_compile_uri(name, http.get("requestUri", "/")))
    return _Api(
        service=service,
        signing_name=meta.get("signingName") or meta.get("endpointPrefix") or service,
        protocol=protocol,
        target_prefix=meta.get("targetPrefix", ""),
        by_method={m: tuple(sorted(ts, key=lambda t: t.rank, reverse=True)) for m, ts in by_method.items()},
    )


class Decoder:
    """Decodes `Call.api`, `Call.operation` and `Call.path_params`.

    JSON (X-Amz-Target) and query (Action) operation names are decoded for every service; the
    botocore service, and REST operations, for the services the decoder knows (`know()`: the
    gateway registers every service its routes and hooks name)."""

    def __init__(self) -> None:
        self._by_signing: dict[str, list[_Api]] = {}
        self._by_target: dict[tuple[str, str], str] = {}
        self._by_prefix: dict[str, str] = {}  # for unsigned JSON calls (Cognito's sign-in operations)

    def know(self, service: str) -> None:
        api = api_matcher(service)
        apis = self._by_signing.setdefault(api.signing_name, [])
        if api not in apis:
            apis.append(api)
        if api.target_prefix:
            self._by_target[(api.signing_name, api.target_prefix)] = service
            self._by_prefix[api.target_prefix] = service

    @property
    def services(self) -> set[str]:
        return {api.service for apis in self._by_signing.values() for api in apis}

    def decode(self, call: Call) -> Call:
        target = call.headers.get("x-amz-target")
        if target:
            prefix, _, call.operation = target.rpartition(".")
            call.api = self._by_target.get((call.service, prefix), "")
            if not call.api and not call.service:  # unsigned (InitiateAuth, GetId, ...): the target alone
                call.api = self._by_prefix.get(prefix, "")
            return call
        for api in self._by_signing.get(call.service, ()):
            for t in api.by_method.get(call.method, ()):
                m = t.regex.match(call.path)
                if m is None or not all(k in call.query and (v is None or call.query[k] == v) for k, v in t.query):
                    continue
                call.api, call.operation = api.service, t.operation
                call.path_params = dict(zip(t.labels, m.groups()))
                return call
        action = call.query.get("Action")
        if action is None and call.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            action = (parse_qs(call.body.decode("utf-8", "replace")).get("Action") or [None])[0]
        if action:
            call.operation = action
            call.api = next((a.service for a in self._by_signing.get(call.service, ()) if a.protocol == "query"), "")
        return call


def decode_call(request: Request, body: bytes, decoder: Decoder | None = None) -> Call:
    auth = request.headers.get("Authorization", "")
    match = _SCOPE.search(auth)
    service, region = ("", "")
    if match:
        region, service = match.group(1), match.group(2)
    call = Call(
        service=service,
        region=region,
        method=request.method,
        path=request.path,
        headers={k.lower(): v for k, v in request.headers.items()},
        query={k: v for k, v in request.args.items()},
        body=body,
        remote_addr=request.remote_addr or "",
    )
    return (decoder or Decoder()).decode(call)


def json_error(status: int, code: str, message: str, *, query_protocol: bool = False) -> Response:
    """An error shaped like AWS's JSON protocols (what botocore parses into ClientError)."""
    body = {"__type": code, "message": message, "Message": message}
    resp = Response(json.dumps(body), status=status, mimetype="application/x-amz-json-1.1")
    resp.headers["x-amzn-ErrorType"] = code
    return resp


class Gateway:
    """WSGI app: before hooks, then the routing table (stand-ins), moto for the rest, then response hooks."""

    def __init__(self, moto_app, standins=(), before=()) -> None:
        self.moto_app = moto_app
        # moto's backends are plain dicts and lists, not thread-safe: two
        # concurrent CreateUser calls can both pass a uniqueness check, or
        # crash iterating a dict another thread grows. AWS is consistent, so
        # calls into moto are serialised (the GIL serialises them anyway).
        self._moto_lock = threading.Lock()
        self.decoder = Decoder()
        self.standins: list = []
        self.routes: dict[tuple[str, str], Handler] = {}
        self.path_routes: dict[str, Handler] = {}
        self.after: dict[tuple[str, str], list[ResponseHook]] = {}
        self.before: list[Callable[[Call], Response | None]] = list(before)
        self.hook_errors: deque[str] = deque(maxlen=100)
        for standin in standins:
            self.add(standin)

    # -- the table --------------------------------------------------------------------------
    def add(self, standin) -> None:
        """Add a stand-in's routes (`routes()`) and response hooks (`response_hooks()`, optional)."""
        routes = dict(standin.routes()) if hasattr(standin, "routes") else {}
        for key, handler in routes.items():
            self.route(key, handler)
        hooks = standin.response_hooks() if hasattr(standin, "response_hooks") else {}
        for key, hook in hooks.items():
            self.hook(key, hook)
        self.standins.append(standin)

    def route(self, key, handler: Handler) -> None:
        if isinstance(key, PathPrefix):
            if key.prefix in self.path_routes:
                raise ValueError(f"two handlers for the path prefix {key.prefix!r}")
            self.path_routes[key.prefix] = handler
            return
        if key in self.routes:
            raise ValueError(f"two handlers for {key[0]} {key[1]}")
        self.decoder.know(key[0])
        self.routes[key] = handler

    def hook(self, key: tuple[str, str], hook: ResponseHook) -> None:
        """Run `hook(call, response)` after every answer to this operation (routed or moto's)."""
        self.decoder.know(key[0])
        self.after.setdefault(key, []).append(hook)

    def handler_for(self, call: Call) -> Handler | None:
        for prefix, handler in self.path_routes.items():
            if call.path.startswith(prefix):
                return handler
        if not call.operation:
            return None
        return self.routes.get((call.api, call.operation))

    # -- moto ---------------------------------------------------------------------------------
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

    # -- WSGI ---------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        request = Request(environ)
        body = request.get_data(cache=True)
        call = decode_call(request, body, self.decoder)
        forward = lambda c: self.forward(c, environ if c is call else None)  # noqa: E731
        for hook in self.before:
            response = hook(call)
            if response is not None:
                return response(environ, start_response)
        handler = self.handler_for(call)
        response = handler(call, forward) if handler is not None else None
        if response is None:
            response = self.forward(call, environ)
        for after in self.after.get((call.api, call.operation), ()) if call.operation else ():
            try:
                after(call, response)
            except Exception as exc:  # noqa: BLE001 - an observer must not fail the call it observes
                self.hook_errors.append(f"{call.api} {call.operation}: {type(exc).__name__}: {exc}")
        return response(environ, start_response)
