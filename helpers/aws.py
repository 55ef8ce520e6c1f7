"""Small AWS utilities every part of the kit shares: paging, reading errors, "is it gone?".

boto3 leaves a few things to every caller: list calls page differently (a paginator
when boto3 has one, a `NextToken` loop otherwise), each service says "not found" its
own way, and a describe call of a resource being deleted answers with an error rather
than a status. These helpers say each of those things once, so that the inventory,
the cleanup and the labs read errors the same way.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator

from botocore.exceptions import ClientError

#: Billing data (budgets, the EstimatedCharges metric and its alarms) lives in us-east-1 only.
BILLING_REGION = "us-east-1"


def pages(client, op: str, key: str, **kwargs) -> Iterator[dict]:
    """Items of a paginated list call (paginator when boto3 has one, NextToken loop otherwise)."""
    if client.can_paginate(op):
        for page in client.get_paginator(op).paginate(**kwargs):
            yield from page.get(key, [])
        return
    call = getattr(client, op)
    token = None
    while True:
        page = call(**kwargs, **({"NextToken": token} if token else {}))
        yield from page.get(key, [])
        token = page.get("NextToken")
        if not token:
            return


def tag_dict(pairs: Iterable[dict] | None, key: str = "Key", value: str = "Value") -> dict[str, str]:
    """`[{"Key": k, "Value": v}, ...]` (or another spelling, e.g. KMS's TagKey/TagValue) as a dict."""
    return {p[key]: p.get(value, "") for p in (pairs or []) if key in p}


def error_code(exc: Exception) -> str:
    """The service's error code (`ResourceNotFound`, ...); the exception's class name otherwise."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return type(exc).__name__


def status_code(exc: Exception) -> int:
    """The HTTP status of a failed call (0 when there was no response)."""
    if isinstance(exc, ClientError):
        return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    return 0


def error_message(exc: Exception) -> str:
    """The service's error message, without boto3's "An error occurred (...) when calling ..." frame."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Message", "")) or str(exc)
    return str(exc)


def client_error(code: str, message: str, operation: str) -> ClientError:
    """A ClientError for a failure a call reports in its answer rather than by raising
    (DeleteObjects' `Errors`, DeleteVpcEndpoints' `Unsuccessful`, a stack's DELETE_FAILED), so
    that callers handle both the same way."""
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


NOT_FOUND = frozenset({
    "ResourceNotFoundException", "ResourceNotFound", "NoSuchEntity", "NoSuchBucket", "NotFoundException", "NotFound",
    "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", "RepositoryNotFoundException",
    "FileSystemNotFound", "MountTargetNotFound", "InvalidVpcID.NotFound", "InvalidSubnetID.NotFound",
    "InvalidGroup.NotFound", "InvalidVpcEndpointId.NotFound", "InvalidRouteTableID.NotFound",
    "InvalidInternetGatewayID.NotFound", "InvalidNetworkInterfaceID.NotFound", "UserNotFoundException",
    "NoSuchTagSet", "NoSuchTagSetError", "404"})
# Some services (SageMaker above all) say "not found" only in a validation error's message.
_NOT_FOUND_WORDS = ("could not find", "does not exist", "not found", "cannot be found", "doesn't exist",
                    "recordnotfound")


def is_not_found(exc: Exception) -> bool:
    """Does this error say the resource is not there (any service's way of saying it)?"""
    code = error_code(exc)
    if code in NOT_FOUND:
        return True
    if code in ("ValidationException", "ValidationError", "InvalidParameterValue", "InvalidParameterException"):
        return any(w in str(exc).lower() for w in _NOT_FOUND_WORDS)
    return False


def unavailable(exc: Exception, local: bool) -> str | None:
    """If `exc` says the API does not exist (here), a sentence saying so; else None."""
    code, status = error_code(exc), status_code(exc)
    if isinstance(exc, NotImplementedError) or code in ("NotImplemented", "501", "404", "UnknownOperation",
                                                          "UnknownOperationException", "InvalidAction"):
        return ("not implemented by the local emulator (moto 5.2)"
                if local else f"the service does not offer this API here ({code})")
    if local and status in (404, 500, 501) and code in ("404", "500", "501", "InternalFailure", "InternalError"):
        return "not implemented by the local emulator (moto 5.2)"
    if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError"):
        return f"not permitted for this identity: {exc}"[:300]
    return None


def or_gone(read: Callable[[], Any]) -> Any:
    """read(), or None when the resource no longer exists (its describe call answers "not found")."""
    try:
        return read()
    except ClientError as exc:
        if is_not_found(exc):
            return None
        raise


def quiet(call: Callable[..., Any], **kwargs) -> bool:
    """A preparatory call (detach, revoke, disassociate...) whose target may already be gone.

    Its "not found" must not be mistaken for the resource itself being gone: that is decided
    by the resource's own delete call. Returns False when the target was missing."""
    try:
        call(**kwargs)
        return True
    except ClientError as exc:
        if is_not_found(exc) or error_code(exc) in ("InvalidPermission.NotFound", "Gateway.NotAttached"):
            return False
        raise
