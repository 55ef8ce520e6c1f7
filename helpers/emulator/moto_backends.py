"""The one door to moto's internals.

Stand-ins keep moto's records (so Describe/List/Get answer as on AWS) and
change them where moto does no work: a training job's status, an endpoint's
status, an HTTP API's endpoint URL, an event source mapping moto would push
into its Docker-only invoke. Every import of `moto.*` the stand-ins need
lives here, so a moto upgrade that moves something is fixed in one file.
(The werkzeug app and request handler the server runs are here too.)
"""
from __future__ import annotations

from typing import Any


def backend(service_name: str, account_id: str, region: str) -> Any:
    """moto's backend of one service, for one account and region (created on first use, as in moto)."""
    from moto.backends import get_backend

    return get_backend(service_name)[account_id][region]  # type: ignore[arg-type]


def regions(service_name: str, account_id: str) -> list[tuple[str, Any]]:
    """The (region, backend) pairs of a service that exist already for an account."""
    from moto.backends import get_backend

    return list(get_backend(service_name)[account_id].items())  # type: ignore[arg-type]


def lambda_(account_id: str, region: str) -> Any:
    return backend("lambda", account_id, region)


def dynamodb(account_id: str, region: str) -> Any:
    return backend("dynamodb", account_id, region)


def apigatewayv2(account_id: str, region: str) -> Any:
    return backend("apigatewayv2", account_id, region)


def sagemaker(account_id: str, region: str) -> Any:
    return backend("sagemaker", account_id, region)


def cognito_user_pool(account_id: str, region: str, pool_id: str) -> Any | None:
    """moto's user pool (users, groups, clients, email settings, its token-signing key), or None."""
    return backend("cognito-idp", account_id, region).user_pools.get(pool_id)


def cognito_identity_pool(account_id: str, region: str, pool_id: str) -> Any | None:
    """moto's identity pool record (its trusted user pools and clients), or None."""
    return backend("cognito-identity", account_id, region).identity_pools.get(pool_id)


def account_for(access_key_id: str) -> str:
    """The account moto attributes a request signed with this access key to (assumed roles map to theirs)."""
    from moto.iam.models import get_account_id_from

    return get_account_id_from(access_key_id)


def event_pattern_matches(pattern: str, event: dict) -> bool:
    """EventBridge pattern matching with moto's matcher (the one its TestEventPattern uses)."""
    from moto.events.models import EventPattern

    return EventPattern.load(pattern).matches_event(event)


def wsgi_app():
    """moto's server as a WSGI app (every service, dispatched on the request like moto_server)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return DomainDispatcherApplication(create_backend_app)


def request_handler():
    """moto's werkzeug request handler class (it keeps chunked uploads working)."""
    from moto.moto_server.threaded_moto_server import MotoRequestHandler

    return MotoRequestHandler


def speed_up() -> None:
    """Two per-request costs in moto whose answers never change in a running
    process: listing its own package directory to route a request, and
    introspecting a response class for its method names. Computing each once
    roughly halves the server time of a call (see benchmarks/README)."""
    import functools

    import moto.backends as mb
    import moto.core.responses as mr

    if not getattr(mb.list_of_moto_modules, "_cached", False):
        modules = tuple(mb.list_of_moto_modules())

        def cached():
            return modules

        cached._cached = True  # type: ignore[attr-defined]
        mb.list_of_moto_modules = cached
    if not hasattr(mr.method_names_from_class, "cache_info"):
        original = mr.method_names_from_class
        mr.method_names_from_class = functools.lru_cache(maxsize=None)(original)
