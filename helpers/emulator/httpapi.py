"""HTTP API stand-in: a localhost URL per API Gateway HTTP API.

APIs, routes, integrations and stages are created through the real
apigatewayv2 API and stored by moto. This stand-in rewrites each API's
`ApiEndpoint` to `http://127.0.0.1:<port>/_aws/execute-api/<api-id>` and
serves requests there: it matches the route the way API Gateway does
(exact path, then path parameters, then greedy `{proxy+}`, then `$default`),
turns the request into a payload-format-2.0 event for the Lambda runner, and
maps the function's answer back to HTTP (a bare value becomes a 200 JSON
body; a function error becomes 500; a slow integration 503 after its
timeout), with CORS when the API configures it. So `curl` against the URL
works exactly as it would against AWS.

Throttling follows the stage's settings as moto stores them (what
CreateStage was given, from the template in the labs): `RouteSettings` for a
route key give that route a token bucket of its own; every other route
shares the stage's bucket from `DefaultRouteSettings`. As on API Gateway a
bucket holds `ThrottlingBurstLimit` tokens, refills at `ThrottlingRateLimit`
per second, starts full, and a request that finds it empty is answered 429
`{"message":"Too Many Requests"}` (no Retry-After: API Gateway sends none)
without reaching the function. A stage without throttling settings is not
throttled (the account-level limit, 10,000 requests per second, is not
modelled). `HttpApiStandIn.clock` is the time source (tests replace it).

`requestContext.http.sourceIp` is the TCP peer of the request (WSGI
`REMOTE_ADDR`), as on API Gateway, never a header a client can set.
"""
from __future__ import annotations

import base64
import concurrent.futures as cf
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone

from werkzeug.wrappers import Response

from helpers.emulator import moto_backends
from helpers.emulator.gateway import Call, PathPrefix

PREFIX = "/_aws/execute-api/"
_POOL = cf.ThreadPoolExecutor(max_workers=16, thread_name_prefix="httpapi")
TOO_MANY_REQUESTS = {"message": "Too Many Requests"}


class TokenBucket:
    """API Gateway's throttle: `burst` tokens at most, `rate` tokens added per second, one per request.

    Starts full, so `burst` requests pass at once and then `rate` per second. Thread-safe."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        if rate < 0 or burst < 0:
            raise ValueError("throttling rate and burst must not be negative")
        self.rate = float(rate)
        self.burst = int(burst)
        self._clock = clock
        self._tokens = float(self.burst)
        self._at = clock()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self._clock()
        if now > self._at:
            self._tokens = min(float(self.burst), self._tokens + (now - self._at) * self.rate)
        self._at = max(self._at, now)

    def take(self) -> bool:
        """Spend one token if there is one; False means throttle this request."""
        with self._lock:
            self._refill()
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            return False

    @property
    def tokens(self) -> float:
        with self._lock:
            self._refill()
            return self._tokens


def _setting(settings: dict | None, name: str):
    """A throttling value from route settings as moto stores them (camelCase on the wire; PascalCase accepted)."""
    if not settings:
        return None
    value = settings.get(name[0].lower() + name[1:], settings.get(name))
    return None if value is None else float(value)


def throttle_for(stage, route_key: str) -> tuple[str, float, int] | None:
    """`(scope, rate, burst)` of the bucket a request to `route_key` spends from, or None (not throttled).

    `scope` is the route key when the route has settings of its own, else "" (the stage's bucket)."""
    own = (getattr(stage, "route_settings", None) or {}).get(route_key)
    for scope, settings in ((route_key, own), ("", getattr(stage, "default_route_settings", None))):
        rate, burst = _setting(settings, "ThrottlingRateLimit"), _setting(settings, "ThrottlingBurstLimit")
        if rate is None and burst is None:
            continue
        # API Gateway needs both; one alone leaves the other at the account level (10,000 / 5,000)
        return scope, 10_000.0 if rate is None else rate, 5_000 if burst is None else int(burst)
    return None


class HttpApiStandIn:
    def __init__(self, account_id: str, runner, base_url: str, region: str,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.account_id = account_id
        self.runner = runner
        self.base_url = base_url
        self.region = region
        self.clock = clock
        self._buckets: dict[tuple, TokenBucket] = {}
        self._buckets_lock = threading.Lock()

    def _backend(self, region: str):
        return moto_backends.apigatewayv2(self.account_id, region)

    def endpoint_for(self, api_id: str) -> str:
        return f"{self.base_url}{PREFIX}{api_id}"

    def routes(self) -> dict:
        return {PathPrefix(PREFIX): self.serve_call, ("apigatewayv2", "CreateApi"): self.create_api_call}

    def create_api_call(self, call: Call, forward) -> Response:
        """moto stores the API; its ApiEndpoint becomes this runtime's URL for it."""
        response = forward(call)
        if response.status_code < 300:
            data = json.loads(response.get_data())
            api = self._backend(call.region).apis.get(data.get("apiId", ""))
            if api is not None:
                api.api_endpoint = self.endpoint_for(api.api_id)
                data["apiEndpoint"] = api.api_endpoint
                response.set_data(json.dumps(data))
        return response

    # -- serving ------------------------------------------------------------------
    def _find_api(self, api_id: str):
        for region, backend in moto_backends.regions("apigatewayv2", self.account_id):
            if api_id in backend.apis:
                return region, backend.apis[api_id]
        return None, None

    def serve_call(self, call: Call, forward) -> Response:
        return self._serve(call)

    # -- throttling ---------------------------------------------------------------
    def bucket(self, api_id: str, stage_name: str, stage, route_key: str) -> TokenBucket | None:
        """The token bucket a request spends from (made on first use; new settings make a new, full bucket)."""
        limits = throttle_for(stage, route_key)
        if limits is None:
            return None
        scope, rate, burst = limits
        key = (api_id, stage_name, scope, rate, burst)
        with self._buckets_lock:
            found = self._buckets.get(key)
            if found is None:
                found = self._buckets[key] = TokenBucket(rate, burst, lambda: self.clock())
            return found

    def reset_throttling(self, clock: Callable[[], float] | None = None) -> None:
        """Forget every bucket (each starts full on its next request), optionally with a new time source."""
        with self._buckets_lock:
            if clock is not None:
                self.clock = clock
            self._buckets.clear()

    def _serve(self, call: Call) -> Response:
        rest = call.path[len(PREFIX):]
        api_id, _, path = rest.partition("/")
        path = "/" + path
        region, api = self._find_api(api_id)
        if api is None:
            return _json(404, {"message": "Not Found"})
        stage = "$default"
        first = path.strip("/").split("/")[0]
        if first and first in api.stages and first != "$default":
            stage = first
            path = "/" + path.strip("/")[len(first):].lstrip("/")
        elif "$default" not in api.stages and api.stages:
            return _json(404, {"message": "Not Found"})
        cors = api.cors_configuration or None
        origin = call.headers.get("origin")
        if call.method == "OPTIONS" and cors and origin:
            resp = Response(status=204)
            _cors_headers(resp, cors, origin, preflight=True)
            return resp
        route, params = _match(api, call.method, path)
        if route is None:
            return _json(404, {"message": "Not Found"})
        bucket = self.bucket(api.api_id, stage, api.stages.get(stage), route.route_key)
        if bucket is not None and not bucket.take():
            resp = _json(429, TOO_MANY_REQUESTS)
            if cors and origin:
                _cors_headers(resp, cors, origin, preflight=False)
            resp.headers["apigw-requestid"] = uuid.uuid4().hex[:16]
            return resp
        integration_id = (route.target or "").split("/")[-1]
        integration = api.integrations.get(integration_id)
        if integration is None or integration.integration_type != "AWS_PROXY":
            return _json(500, {"message": "Internal Server Error",
                               "detail": "the local HTTP API supports Lambda proxy integrations only"})
        fn_arn = _function_arn(integration.integration_uri)
        event = _event_v2(call, api, stage, route.route_key, path, params, region, self.account_id)
        timeout = (integration.timeout_in_millis or 30000) / 1000.0
        future = _POOL.submit(self.runner.invoke, fn_arn, json.dumps(event).encode(), region)
        try:
            result = future.result(timeout=timeout)
        except cf.TimeoutError:
            return _json(503, {"message": "Service Unavailable"})
        except Exception as exc:  # noqa: BLE001 - e.g. the function was deleted
            return _json(500, {"message": "Internal Server Error", "detail": str(exc)})
        if result.function_error:
            resp = _json(500, {"message": "Internal Server Error"})
        else:
            resp = _response_from(result.json())
        if cors and origin:
            _cors_headers(resp, cors, origin, preflight=False)
        resp.headers["apigw-requestid"] = event["requestContext"]["requestId"]
        return resp


def _json(status: int, body: dict) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _function_arn(uri: str) -> str:
    m = re.search(r"functions/(arn:[^/]+)/invocations", uri or "")
    return m.group(1) if m else uri


def _route_regex(path_tpl: str) -> re.Pattern:
    out = ""
    for part in path_tpl.strip("/").split("/"):
        if not part:
            continue
        if part.startswith("{") and part.endswith("+}"):
            out += r"/(?P<%s>.+)" % part[1:-2]
        elif part.startswith("{") and part.endswith("}"):
            out += r"/(?P<%s>[^/]+)" % part[1:-1]
        else:
            out += "/" + re.escape(part)
    return re.compile("^" + (out or "/") + "/?$")


def _match(api, method: str, path: str):
    candidates = []
    default = None
    for route in api.routes.values():
        key = route.route_key
        if key == "$default":
            default = route
            continue
        r_method, _, r_path = key.partition(" ")
        if r_method not in (method, "ANY"):
            continue
        m = _route_regex(r_path).match(path if path != "" else "/")
        if m:
            greedy = "+}" in r_path
            params = r_path.count("{")
            candidates.append(((greedy, params, r_method == "ANY"), route, m.groupdict()))
    if candidates:
        candidates.sort(key=lambda c: c[0])
        return candidates[0][1], candidates[0][2]
    return default, {}


def _event_v2(call: Call, api, stage: str, route_key: str, path: str, params: dict, region: str, account: str) -> dict:
    now = datetime.now(timezone.utc)
    body = call.body
    text_types = ("json", "text", "xml", "x-www-form-urlencoded", "javascript")
    ctype = call.headers.get("content-type", "")
    is_b64 = bool(body) and not any(t in ctype for t in text_types)
    headers = {k: v for k, v in call.headers.items() if k not in ("authorization",)}
    cookies = [c.strip() for c in headers.pop("cookie", "").split(";") if c.strip()]
    raw_qs = "&".join(f"{k}={v}" for k, v in call.query.items())
    event = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path if stage == "$default" else f"/{stage}{path}",
        "rawQueryString": raw_qs,
        "headers": headers,
        "requestContext": {
            "accountId": account,
            "apiId": api.api_id,
            "domainName": f"{api.api_id}.execute-api.{region}.amazonaws.com",
            "domainPrefix": api.api_id,
            "http": {
                "method": call.method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": call.remote_addr or "127.0.0.1",
                "userAgent": call.headers.get("user-agent", ""),
            },
            "requestId": uuid.uuid4().hex[:16],
            "routeKey": route_key,
            "stage": stage,
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(time.time() * 1000),
        },
        "isBase64Encoded": is_b64,
    }
    if cookies:
        event["cookies"] = cookies
    if call.query:
        event["queryStringParameters"] = dict(call.query)
    if params:
        event["pathParameters"] = params
    if body:
        event["body"] = base64.b64encode(body).decode() if is_b64 else body.decode("utf-8", "replace")
    return event


def _response_from(value) -> Response:
    """Payload format 2.0 response rules."""
    if isinstance(value, dict) and "statusCode" in value:
        body = value.get("body", "")
        if value.get("isBase64Encoded"):
            data = base64.b64decode(body or "")
        else:
            data = (body if isinstance(body, str) else json.dumps(body)).encode()
        resp = Response(data, status=int(value["statusCode"]))
        for k, v in (value.get("headers") or {}).items():
            resp.headers[k] = str(v)
        for cookie in value.get("cookies") or []:
            resp.headers.add("Set-Cookie", cookie)
        if "content-type" not in {k.lower() for k in (value.get("headers") or {})}:
            resp.headers["Content-Type"] = "application/json"
        return resp
    resp = Response(json.dumps(value), status=200, mimetype="application/json")
    return resp


def _cors_headers(resp: Response, cors: dict, origin: str, preflight: bool) -> None:
    allowed = cors.get("AllowOrigins") or cors.get("allowOrigins") or []
    if "*" in allowed or origin in allowed:
        resp.headers["Access-Control-Allow-Origin"] = "*" if "*" in allowed else origin
        if preflight:
            methods = cors.get("AllowMethods") or cors.get("allowMethods") or ["*"]
            hdrs = cors.get("AllowHeaders") or cors.get("allowHeaders") or ["*"]
            resp.headers["Access-Control-Allow-Methods"] = ",".join(methods)
            resp.headers["Access-Control-Allow-Headers"] = ",".join(hdrs)
            max_age = cors.get("MaxAge") or cors.get("maxAge")
            if max_age:
                resp.headers["Access-Control-Max-Age"] = str(max_age)
