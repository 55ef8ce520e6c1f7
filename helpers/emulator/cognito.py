"""Cognito where moto stops short: identity-pool credentials that mean something, and invitation mail.

moto keeps user pools, users, groups and clients, signs ID tokens (with
`cognito:groups`) and runs the sign-in flows. What it does not do, and what
an IAM-authorised API in front of a user pool (DeepRacer on AWS) depends on:

* **Identity pools.** moto's `GetId` accepts any login and its
  `GetCredentialsForIdentity` returns the same fixed keys to everyone. Here
  `GetId` checks the login token (an ID token signed by the user pool's key,
  from an issuer and client the identity pool trusts, not expired) and gives
  one identity per user; `GetCredentialsForIdentity` resolves the role the
  way Cognito does (role mappings: `Rules` on token claims in order, or
  `Token` for `cognito:preferred_role`; else the pool's authenticated role;
  `AmbiguousRoleResolution: Deny` refuses) and issues fresh keys that this
  runtime remembers, so a stand-in can check a SigV4 signature made with
  them and know which user made it (`issued(access_key_id)`).
  `SetIdentityPoolRoles` / `GetIdentityPoolRoles` (not in moto) keep the roles.
* **Invitation mail.** `AdminCreateUser` makes a temporary password when the
  caller gives none and, unless told `SUPPRESS`, emails the invitation from
  the pool's invitation template to the outbox: from Cognito's own sender,
  limited to 50 mails a day per account and region as Cognito's default
  email is (then `LimitExceededException`, and no user is created), or from
  the pool's SES identity when the pool sends through SES.
* **Sign-in with an email alias** (a pool with `AliasAttributes: [email]`),
  and `UpdateUserPool` keeping what it cannot change (aliases, schema).
"""
from __future__ import annotations

import json
import secrets
import string
import threading
import time
import uuid
from dataclasses import dataclass, field

from werkzeug.wrappers import Response

from helpers.emulator import moto_backends
from helpers.emulator.gateway import Call, json_error
from helpers.emulator.mail import Mail, Outbox

COGNITO_DAILY_EMAILS = 50  # Cognito's default email: messages per day per account (SES lifts it)
COGNITO_SENDER = "no-reply@verificationemail.com"
CREDENTIAL_SECONDS = 3600
DEFAULT_INVITE_SUBJECT = "Your temporary password"
DEFAULT_INVITE_MESSAGE = "Your username is {username} and temporary password is {####}."


@dataclass(frozen=True)
class IssuedCredentials:
    """What `GetCredentialsForIdentity` handed out, and to whom."""

    access_key_id: str
    secret_key: str
    session_token: str
    expires_at: float
    account_id: str
    region: str
    identity_pool_id: str
    identity_id: str
    role_arn: str
    user_pool_id: str
    sub: str
    username: str


@dataclass
class _Identity:
    identity_id: str
    pool_id: str
    logins: dict[str, str] = field(default_factory=dict)  # provider -> sub


class CognitoStandIn:
    def __init__(self, default_account: str, outbox: Outbox) -> None:
        self.default_account = default_account
        self.outbox = outbox
        self._lock = threading.Lock()
        self._roles: dict[tuple[str, str], dict] = {}  # (account, identity pool) -> SetIdentityPoolRoles body
        self._identities: dict[tuple[str, str, str], _Identity] = {}  # (account, pool, provider/sub)
        self._issued: dict[str, IssuedCredentials] = {}
        self._mail_days: dict[tuple[str, str], tuple[str, int]] = {}  # (account, region) -> (day, count)

    def reset(self) -> None:
        with self._lock:
            self._roles.clear()
            self._identities.clear()
            self._issued.clear()
            self._mail_days.clear()

    def routes(self) -> dict:
        return {
            ("cognito-identity", "GetId"): self.get_id_call,
            ("cognito-identity", "GetCredentialsForIdentity"): self.get_credentials_call,
            ("cognito-identity", "SetIdentityPoolRoles"): self.set_roles_call,
            ("cognito-identity", "GetIdentityPoolRoles"): self.get_roles_call,
            ("cognito-idp", "AdminCreateUser"): self.admin_create_user_call,
            ("cognito-idp", "InitiateAuth"): self.sign_in_alias_call,
            ("cognito-idp", "RespondToAuthChallenge"): self.sign_in_alias_call,
            ("cognito-idp", "UpdateUserPool"): self.update_user_pool_call,
        }

    # -- what other stand-ins ask -----------------------------------------------------------------
    def issued(self, access_key_id: str) -> IssuedCredentials | None:
        """The live credentials with this key id, or None (unknown or expired)."""
        creds = self._issued.get(access_key_id)
        if creds is None or creds.expires_at < time.time():
            return None
        return creds

    def emails_sent_today(self, account: str, region: str) -> int:
        day, count = self._mail_days.get((account, region), ("", 0))
        return count if day == _today() else 0

    # -- identity pools ----------------------------------------------------------------------------
    def _account(self, call: Call, body: dict) -> str:
        return str(body.get("AccountId") or self.default_account)

    def _check_login(self, account: str, identity_pool, logins: dict) -> tuple[str, dict]:
        """(provider, claims) of the one valid login, else a Cognito error (raised as _Refused)."""
        if not logins:
            raise _Refused("NotAuthorizedException", "Unauthenticated access is not supported for this "
                                                     "identity pool.")
        trusted = {p.get("ProviderName"): p for p in identity_pool.cognito_identity_providers or []}
        provider, token = next(iter(logins.items()))
        if provider not in trusted:
            raise _Refused("NotAuthorizedException", "Invalid login token. Issuer doesn't match providerName")
        # "cognito-idp.<region>.amazonaws.com/<user pool id>"
        host, _, user_pool_id = provider.partition("/")
        region = host.split(".")[1] if host.count(".") >= 2 else ""
        pool = moto_backends.cognito_user_pool(account, region, user_pool_id)
        if pool is None:
            raise _Refused("NotAuthorizedException", "Invalid login token. Issuer doesn't match providerName")
        claims = _verify_id_token(pool, token)
        if claims.get("iss") != f"https://{provider}":
            raise _Refused("NotAuthorizedException", "Invalid login token. Issuer doesn't match providerName")
        client_id = trusted[provider].get("ClientId")
        if client_id and claims.get("aud") != client_id:
            raise _Refused("NotAuthorizedException", "Invalid login token. Incorrect token audience.")
        return provider, claims

    def get_id_call(self, call: Call, forward) -> Response:
        body = call.json()
        account = self._account(call, body)
        pool_id = body.get("IdentityPoolId", "")
        region = pool_id.split(":")[0]
        pool = moto_backends.cognito_identity_pool(account, region, pool_id)
        if pool is None:
            return _error("ResourceNotFoundException", f"IdentityPool '{pool_id}' not found.")
        try:
            provider, claims = self._check_login(account, pool, body.get("Logins") or {})
        except _Refused as exc:
            return exc.response()
        key = (account, pool_id, f"{provider}/{claims['sub']}")
        with self._lock:
            ident = self._identities.get(key)
            if ident is None:
                ident = _Identity(f"{region}:{uuid.uuid4()}", pool_id, {provider: claims["sub"]})
                self._identities[key] = ident
        return _ok({"IdentityId": ident.identity_id})

    def get_credentials_call(self, call: Call, forward) -> Response:
        body = call.json()
        identity_id = body.get("IdentityId", "")
        account = self._account(call, body)
        ident = next((i for (acct, _, _), i in self._identities.items()
                      if acct == account and i.identity_id == identity_id), None)
        if ident is None:
            return _error("ResourceNotFoundException", f"Identity '{identity_id}' not found.")
        region = ident.pool_id.split(":")[0]
        pool = moto_backends.cognito_identity_pool(account, region, ident.pool_id)
        if pool is None:
            return _error("ResourceNotFoundException", f"IdentityPool '{ident.pool_id}' not found.")
        try:
            provider, claims = self._check_login(account, pool, body.get("Logins") or {})
        except _Refused as exc:
            return exc.response()
        if ident.logins.get(provider) != claims["sub"]:
            return _error("NotAuthorizedException", "Logins don't match. Please include at least one valid "
                                                    "login for this identity or identity pool.")
        try:
            role_arn = self._resolve_role(account, ident.pool_id, provider, claims)
        except _Refused as exc:
            return exc.response()
        creds = IssuedCredentials(
            access_key_id="ASIA" + "".join(secrets.choice(string.ascii_uppercase + string.digits)
                                           for _ in range(16)),
            secret_key=secrets.token_urlsafe(30), session_token=secrets.token_urlsafe(48),
            expires_at=time.time() + CREDENTIAL_SECONDS, account_id=account, region=region,
            identity_pool_id=ident.pool_id, identity_id=identity_id, role_arn=role_arn,
            user_pool_id=provider.rsplit("/", 1)[-1], sub=claims["sub"],
            username=claims.get("cognito:username", claims["sub"]))
        with self._lock:
            now = time.time()
            for k in [k for k, c in self._issued.items() if c.expires_at < now]:
                del self._issued[k]
            self._issued[creds.access_key_id] = creds
        return _ok({"IdentityId": identity_id, "Credentials": {
            "AccessKeyId": creds.access_key_id, "SecretKey": creds.secret_key,
            "SessionToken": creds.session_token, "Expiration": creds.expires_at}})

    def _resolve_role(self, account: str, pool_id: str, provider: str, claims: dict) -> str:
        config = self._roles.get((account, pool_id)) or {}
        client = claims.get("aud", "")
        mapping = (config.get("RoleMappings") or {}).get(f"{provider}:{client}")
        fallback = (config.get("Roles") or {}).get("authenticated")
        if mapping:
            if mapping.get("Type") == "Token":
                preferred = claims.get("cognito:preferred_role")
                if preferred:
                    return preferred
            else:
                for rule in (mapping.get("RulesConfiguration") or {}).get("Rules") or []:
                    if _rule_matches(rule, claims):
                        return rule["RoleARN"]
            if mapping.get("AmbiguousRoleResolution") == "Deny" or not fallback:
                raise _Refused("AccessDeniedException" if fallback else "InvalidIdentityPoolConfigurationException",
                               "Unable to resolve a role for this identity: no role mapping rule matched "
                               "and AmbiguousRoleResolution is Deny." if fallback else
                               "Invalid identity pool configuration. Check assigned IAM roles for this pool.")
        if not fallback:
            raise _Refused("InvalidIdentityPoolConfigurationException",
                           "Invalid identity pool configuration. Check assigned IAM roles for this pool.")
        return fallback

    def set_roles_call(self, call: Call, forward) -> Response:
        body = call.json()
        account = self._account(call, body)
        pool_id = body.get("IdentityPoolId", "")
        if moto_backends.cognito_identity_pool(account, pool_id.split(":")[0], pool_id) is None:
            return _error("ResourceNotFoundException", f"IdentityPool '{pool_id}' not found.")
        with self._lock:
            self._roles[(account, pool_id)] = {"Roles": body.get("Roles") or {},
                                               "RoleMappings": body.get("RoleMappings") or {}}
        return _ok({})

    def get_roles_call(self, call: Call, forward) -> Response:
        body = call.json()
        account = self._account(call, body)
        pool_id = body.get("IdentityPoolId", "")
        if moto_backends.cognito_identity_pool(account, pool_id.split(":")[0], pool_id) is None:
            return _error("ResourceNotFoundException", f"IdentityPool '{pool_id}' not found.")
        return _ok({"IdentityPoolId": pool_id, **self._roles.get((account, pool_id), {"Roles": {}})})

    # -- invitation mail -------------------------------------------------------------------------
    def admin_create_user_call(self, call: Call, forward) -> Response:
        body = call.json()
        account = self._signed_account(call)
        pool = moto_backends.cognito_user_pool(account, call.region, body.get("UserPoolId", ""))
        if pool is None:
            return forward(call)
        action = body.get("MessageAction")
        attrs = {a.get("Name"): a.get("Value") for a in body.get("UserAttributes") or []}
        email = attrs.get("email")
        send = action != "SUPPRESS" and "EMAIL" in (body.get("DesiredDeliveryMediums") or []) and bool(email)
        if not body.get("TemporaryPassword"):
            body["TemporaryPassword"] = _temporary_password()
            call.body = json.dumps(body).encode()
        email_config = pool.extended_config.get("EmailConfiguration") or {}
        via_ses = email_config.get("EmailSendingAccount") == "DEVELOPER"
        if send and not via_ses:
            with self._lock:
                day, count = self._mail_days.get((account, call.region), (_today(), 0))
                if day != _today():
                    day, count = _today(), 0
                if count >= COGNITO_DAILY_EMAILS:
                    return _error("LimitExceededException",
                                  "Exceeded daily email limit for the operation or the account. If a higher "
                                  "limit is required, please configure your user pool to use your own Amazon "
                                  "SES configuration for sending email.")
                self._mail_days[(account, call.region)] = (day, count + 1)
        response = forward(call)
        if response.status_code >= 300:
            if send and not via_ses:  # nothing was sent: give the mail back
                with self._lock:
                    day, count = self._mail_days[(account, call.region)]
                    self._mail_days[(account, call.region)] = (day, max(0, count - 1))
            return response
        if send:
            template = (pool.extended_config.get("AdminCreateUserConfig") or {}).get("InviteMessageTemplate") or {}
            username = body.get("Username", "")
            text = (template.get("EmailMessage") or DEFAULT_INVITE_MESSAGE).replace(
                "{username}", username).replace("{####}", body["TemporaryPassword"])
            sender = (email_config.get("From") or email_config.get("SourceArn", "").rsplit("/", 1)[-1]
                      if via_ses else COGNITO_SENDER)
            self.outbox.add(Mail(message_id=uuid.uuid4().hex, sent_at=time.time(), sender=sender, to=[email],
                                 subject=template.get("EmailSubject") or DEFAULT_INVITE_SUBJECT,
                                 text=_strip_html(text), html=text,
                                 tags={"purpose": "cognito-invitation", "user_pool": pool.id}))
        return response

    # -- settings UpdateUserPool cannot change ------------------------------------------------------
    IMMUTABLE = ("AliasAttributes", "UsernameAttributes", "UsernameConfiguration", "Schema")

    def update_user_pool_call(self, call: Call, forward) -> Response:
        """UpdateUserPool resets the settings it is given none of, but not the ones it cannot change
        (sign-in aliases, username attributes, schema); moto resets those too, so they are put back."""
        body = call.json()
        pool = moto_backends.cognito_user_pool(self._signed_account(call), call.region, body.get("UserPoolId", ""))
        kept = {k: pool.extended_config[k] for k in self.IMMUTABLE if pool is not None and k in pool.extended_config}
        response = forward(call)
        if pool is not None and response.status_code < 300:
            pool.extended_config.update(kept)
        return response

    # -- sign-in with an alias -------------------------------------------------------------------
    def sign_in_alias_call(self, call: Call, forward) -> Response:
        """A pool with `AliasAttributes: [email]` lets people sign in with their address (case-insensitive),
        which moto does not: the alias is resolved to the user name before moto sees the call."""
        body = call.json()
        params_key = "AuthParameters" if "AuthParameters" in body else "ChallengeResponses"
        params = body.get(params_key) or {}
        name = params.get("USERNAME")
        pool = _pool_of_client(self.default_account, call.region, body.get("ClientId", ""))
        if name and pool is not None and name not in pool.users and "email" in (
                pool.extended_config.get("AliasAttributes") or []):
            want = name.strip().casefold()
            for user in pool.users.values():
                if (user.attribute_lookup.get("email") or "").casefold() == want:
                    params["USERNAME"] = user.username
                    body[params_key] = params
                    call.body = json.dumps(body).encode()
                    break
        return forward(call)

    def _signed_account(self, call: Call) -> str:
        from helpers.emulator.sigv4 import SignatureError, parse

        try:
            who, _ = parse(call.headers)
        except SignatureError:
            return self.default_account
        return moto_backends.account_for(who.access_key_id)


class _Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message

    def response(self) -> Response:
        return _error(self.code, self.message)


def _pool_of_client(account: str, region: str, client_id: str):
    """Sign-in calls are unsigned, so they name no region: look in every region moto has pools in."""
    backends = ([moto_backends.backend("cognito-idp", account, region)] if region else
                [b for _, b in moto_backends.regions("cognito-idp", account)])
    return next((p for b in backends for p in b.user_pools.values() if client_id in p.clients), None)


def _verify_id_token(pool, token: str) -> dict:
    """The claims of an ID token this user pool signed and that has not expired."""
    from joserfc import jwt
    from joserfc.errors import JoseError

    try:
        decoded = jwt.decode(token, pool.json_web_key)
    except (JoseError, ValueError) as exc:
        raise _Refused("NotAuthorizedException", f"Invalid login token. {type(exc).__name__}") from None
    claims = dict(decoded.claims)
    if claims.get("token_use") != "id":
        raise _Refused("NotAuthorizedException", "Invalid login token. Not a valid OpenId Connect identity "
                                                 "token.")
    if float(claims.get("exp", 0)) < time.time():
        raise _Refused("NotAuthorizedException", f"Invalid login token. Token expired: {claims.get('exp')} "
                                                 f">= {int(time.time())}")
    return claims


def _rule_matches(rule: dict, claims: dict) -> bool:
    value = claims.get(rule.get("Claim", ""))
    want = rule.get("Value", "")
    match = rule.get("MatchType", "Equals")
    values = value if isinstance(value, list) else [] if value is None else [str(value)]
    if match == "Equals":
        return want in values if isinstance(value, list) else str(value) == want
    if match == "Contains":
        return any(want in v for v in values) if not isinstance(value, list) else want in values
    if match == "StartsWith":
        return any(v.startswith(want) for v in values)
    if match == "NotEqual":
        return value is not None and want not in values
    return False


def _temporary_password() -> str:
    """One that passes the strictest default policy (8+, upper, lower, digit, symbol)."""
    body = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(10))
    return f"Tp{body}7!"


def _strip_html(text: str) -> str:
    import re

    return re.sub(r"<[^>]+>", "", text.replace("<br>", "\n"))


def _today() -> str:
    return time.strftime("%Y-%m-%d", time.gmtime())


def _ok(body: dict) -> Response:
    return Response(json.dumps(body), status=200, mimetype="application/x-amz-json-1.1")


def _error(code: str, message: str) -> Response:
    return json_error(400, code, message)
