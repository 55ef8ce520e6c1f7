"""Checking a SigV4 signature the way an IAM-authorised API Gateway API does.

moto accepts any signature. A stand-in for an API whose authoriser is
`AWS_IAM` (DeepRacer on AWS's API) must not: a request signed with the wrong
secret, or one that is stale or unsigned, is refused with API Gateway's own
403 answers. The canonical request is rebuilt with botocore's signer from the
headers the client says it signed, so the two sides canonicalise identically.
"""
from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<akid>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)"
    r"/aws4_request,\s*SignedHeaders=(?P<signed>[^,]+),\s*Signature=(?P<sig>[0-9a-f]{64})$")
MAX_SKEW = timedelta(minutes=5)  # API Gateway refuses requests signed more than 5 minutes away


@dataclass(frozen=True)
class SignedBy:
    access_key_id: str
    region: str
    service: str
    session_token: str | None


class SignatureError(Exception):
    """Why a request is refused; `message` is API Gateway's wording for the case."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def parse(headers: dict[str, str]) -> tuple[SignedBy, dict[str, str]]:
    """Who claims to have signed (before checking): raises SignatureError when unsigned or malformed."""
    auth = headers.get("authorization", "")
    if not auth:
        raise SignatureError("Missing Authentication Token")
    m = _AUTH.match(auth.strip())
    if m is None:
        raise SignatureError("Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' "
                             "parameters (AWS4-HMAC-SHA256).")
    return (SignedBy(m["akid"], m["region"], m["service"], headers.get("x-amz-security-token")),
            {"date": m["date"], "signed": m["signed"], "signature": m["sig"]})


def verify(method: str, url: str, headers: dict[str, str], body: bytes, secret_key: str,
           *, now: datetime | None = None) -> SignedBy:
    """Raise SignatureError unless the request was signed with `secret_key`; return the signer.

    `url` is the URL the client called (scheme, host and path as sent, with its query string).
    """
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    who, parts = parse(headers)
    amz_date = headers.get("x-amz-date", "")
    try:
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        raise SignatureError("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
                             "header.") from None
    now = now or datetime.now(timezone.utc)
    if abs(now - signed_at) > MAX_SKEW:
        raise SignatureError(f"Signature expired: {amz_date} is now earlier than "
                             f"{(now - MAX_SKEW).strftime('%Y%m%dT%H%M%SZ')}")
    if parts["date"] != amz_date[:8]:
        raise SignatureError("Credential should be scoped to a valid date.")
    signed_names = parts["signed"].split(";")
    if "host" not in signed_names:
        raise SignatureError("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    request = AWSRequest(method=method, url=url, data=body,
                         headers={k: headers[k] for k in signed_names if k in headers})
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(who.access_key_id, secret_key, who.session_token), who.service, who.region)
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, parts["signature"]):
        raise SignatureError("The request signature we calculated does not match the signature you provided. "
                             "Check your AWS Secret Access Key and signing method. Consult the service "
                             "documentation for details.")
    return who
