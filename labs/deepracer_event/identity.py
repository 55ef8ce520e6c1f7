"""Who is who at the event: the enterprise identity provider, the racers' group, the admin role.

Racers race on DeepRacer on AWS, whose users live in the solution's Cognito
user pool: they sign in through the organisation's SAML identity provider
when one is configured on that pool (`enterprise_sign_in`), else with the
solution's invitation email. Attendees who also use the account's other labs
(SageMaker Studio) sign in through IAM Identity Center: one group per event,
assigned to the account with a permission set for Studio. The event admin
gets a role scoped to running the event (the solution's stack, its user
pool, quotas, prices, budgets). Every function here creates what is missing,
finds what exists, and reads it back.

History: the retired console's multi-user mode used the managed policies
`AWSDeepRacerDefaultMultiUserAccess` (racers) and `AWSDeepRacerAccountAdminAccess`
(admin); they belong to a service that no longer runs and are not used here.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

STUDIO_POLICY = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"
ADMIN_POLICY_NAME = "run-deepracer-event"
SAML_EMAIL_CLAIM = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"


def admin_policy(session, event: str) -> dict:
    """What the event admin needs, and no more: the solution's stack, its user pool's settings, the
    event's secret, quotas, prices, budgets and the billing alarm."""
    acct, region = session.account_id, session.region
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "Solution", "Effect": "Allow", "Action": [
            "cloudformation:DescribeStacks", "cloudformation:CreateStack", "cloudformation:UpdateStack",
            "cloudformation:DeleteStack", "cloudformation:DescribeStackEvents"],
         "Resource": f"arn:aws:cloudformation:{region}:{acct}:stack/deepracer-on-aws-*/*"},
        {"Sid": "UserPool", "Effect": "Allow", "Action": [
            "cognito-idp:DescribeUserPool", "cognito-idp:UpdateUserPool", "cognito-idp:CreateIdentityProvider",
            "cognito-idp:DescribeIdentityProvider", "cognito-idp:UpdateIdentityProvider",
            "cognito-idp:DescribeUserPoolClient", "cognito-idp:UpdateUserPoolClient", "cognito-idp:AdminCreateUser",
            "cognito-idp:AdminSetUserPassword", "cognito-idp:AdminAddUserToGroup", "cognito-idp:AdminGetUser"],
         "Resource": f"arn:aws:cognito-idp:{region}:{acct}:userpool/*"},
        {"Sid": "EventSecret", "Effect": "Allow", "Action": [
            "secretsmanager:GetSecretValue", "secretsmanager:CreateSecret", "secretsmanager:PutSecretValue"],
         "Resource": f"arn:aws:secretsmanager:{region}:{acct}:secret:{event}/*"},
        {"Sid": "Sizing", "Effect": "Allow", "Action": [
            "servicequotas:GetServiceQuota", "servicequotas:GetAWSDefaultServiceQuota",
            "servicequotas:RequestServiceQuotaIncrease", "pricing:GetProducts", "ses:GetAccount"],
         "Resource": "*"},
        {"Sid": "Spend", "Effect": "Allow", "Action": [
            "budgets:ViewBudget", "budgets:ModifyBudget", "cloudwatch:PutMetricAlarm",
            "cloudwatch:DescribeAlarms"], "Resource": "*"},
    ]}


@dataclass
class IdentityCenter:
    instance_arn: str
    identity_store_id: str
    access_portal_url: str


@dataclass
class EventIdentity:
    center: IdentityCenter
    group_id: str
    group_name: str
    permission_set_arn: str
    admin_role_arn: str


def identity_center(session) -> IdentityCenter:
    """The account's Identity Center instance (there is one per organization)."""
    instances = session.client("sso-admin").list_instances().get("Instances", [])
    if not instances:
        raise RuntimeError(
            "No IAM Identity Center instance in this account/region. Enable IAM Identity Center "
            "(console: IAM Identity Center -> Enable) in the region the workshop uses, then re-run.")
    inst = instances[0]
    store = inst["IdentityStoreId"]
    # The portal URL is https://<identity store id>.awsapps.com/start unless a custom subdomain is set.
    return IdentityCenter(inst["InstanceArn"], store, f"https://{store}.awsapps.com/start")


def ensure_group(session, center: IdentityCenter, name: str, description: str) -> str:
    ids = session.client("identitystore")
    try:
        return ids.get_group_id(IdentityStoreId=center.identity_store_id, AlternateIdentifier={
            "UniqueAttribute": {"AttributePath": "displayName", "AttributeValue": name}})["GroupId"]
    except ids.exceptions.ResourceNotFoundException:
        pass
    return ids.create_group(IdentityStoreId=center.identity_store_id, DisplayName=name,
                            Description=description)["GroupId"]


def ensure_permission_set(session, center: IdentityCenter, name: str, policy_arn: str) -> str:
    sso = session.client("sso-admin")
    arns = sso.list_permission_sets(InstanceArn=center.instance_arn).get("PermissionSets", [])
    for arn in arns:
        ps = sso.describe_permission_set(InstanceArn=center.instance_arn, PermissionSetArn=arn)["PermissionSet"]
        if ps["Name"] == name:
            break
    else:
        arn = sso.create_permission_set(
            InstanceArn=center.instance_arn, Name=name, SessionDuration="PT8H",
            Description="Attendees of an event who use SageMaker Studio in this account",
            Tags=session.tag_list)["PermissionSet"]["PermissionSetArn"]
    attached = sso.list_managed_policies_in_permission_set(
        InstanceArn=center.instance_arn, PermissionSetArn=arn).get("AttachedManagedPolicies", [])
    if policy_arn not in {p["Arn"] for p in attached}:
        sso.attach_managed_policy_to_permission_set(
            InstanceArn=center.instance_arn, PermissionSetArn=arn, ManagedPolicyArn=policy_arn)
    return arn


def ensure_assignment(session, center: IdentityCenter, permission_set_arn: str, group_id: str) -> None:
    sso = session.client("sso-admin")
    existing = sso.list_account_assignments(
        InstanceArn=center.instance_arn, AccountId=session.account_id,
        PermissionSetArn=permission_set_arn).get("AccountAssignments", [])
    if any(a["PrincipalId"] == group_id for a in existing):
        return
    sso.create_account_assignment(
        InstanceArn=center.instance_arn, TargetId=session.account_id, TargetType="AWS_ACCOUNT",
        PermissionSetArn=permission_set_arn, PrincipalType="GROUP", PrincipalId=group_id)


def ensure_admin_role(session, name: str, event: str) -> str:
    """The event admin's role, with the scoped inline policy `admin_policy` (rewritten on every run)."""
    iam = session.client("iam")
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{session.account_id}:root"},
        "Action": "sts:AssumeRole"}]}
    try:
        arn = iam.get_role(RoleName=name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust),
                              Description="DeepRacer event administrator", Tags=session.tag_list)["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName=ADMIN_POLICY_NAME,
                        PolicyDocument=json.dumps(admin_policy(session, event)))
    return arn


def setup_event_identity(session, event: str) -> EventIdentity:
    """Group, permission set, assignment and admin role for one event (idempotent)."""
    center = identity_center(session)
    group_name = f"{event}-racers"
    group_id = ensure_group(session, center, group_name, f"Racers of {event}")
    ps_arn = ensure_permission_set(session, center, f"{event}-racer"[:32], STUDIO_POLICY)
    ensure_assignment(session, center, ps_arn, group_id)
    admin = ensure_admin_role(session, f"{event}-admin", event)
    return EventIdentity(center, group_id, group_name, ps_arn, admin)


def verify_event_identity(session, ident: EventIdentity) -> dict[str, bool]:
    """Read every piece back from the services (not from what we sent)."""
    sso = session.client("sso-admin")
    iam = session.client("iam")
    ids = session.client("identitystore")
    group = ids.describe_group(IdentityStoreId=ident.center.identity_store_id, GroupId=ident.group_id)
    policies = sso.list_managed_policies_in_permission_set(
        InstanceArn=ident.center.instance_arn, PermissionSetArn=ident.permission_set_arn)["AttachedManagedPolicies"]
    assignments = sso.list_account_assignments(
        InstanceArn=ident.center.instance_arn, AccountId=session.account_id,
        PermissionSetArn=ident.permission_set_arn)["AccountAssignments"]
    role_name = ident.admin_role_arn.rsplit("/", 1)[-1]
    inline = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    return {
        f"group {group['DisplayName']} exists": group["GroupId"] == ident.group_id,
        "permission set holds AmazonSageMakerFullAccess (Studio labs)": STUDIO_POLICY in {p["Arn"] for p in policies},
        "group assigned to the account": any(a["PrincipalId"] == ident.group_id for a in assignments),
        f"admin role holds its scoped policy {ADMIN_POLICY_NAME}": ADMIN_POLICY_NAME in inline,
    }


# -- racers sign in with their enterprise identity (SAML on the solution's user pool) ---------------
def enterprise_sign_in(session, deployment, provider_name: str, *, metadata_url: str = "",
                       metadata_xml: str = "") -> dict:
    """Add the organisation's SAML identity provider to the solution's user pool and let its web
    client use it; read both back. Racers then choose it on the solution's sign-in page.

    `metadata_url` (the IdP's federation metadata URL, e.g. Entra ID's) or `metadata_xml`. The email
    attribute is mapped from the standard SAML claim. Re-running updates the provider."""
    if not (metadata_url or metadata_xml):
        raise ValueError("give the identity provider's metadata_url or metadata_xml")
    idp = session.client("cognito-idp")
    details = {"MetadataURL": metadata_url} if metadata_url else {"MetadataFile": metadata_xml}
    details["IDPSignout"] = "false"
    mapping = {"email": SAML_EMAIL_CLAIM}
    try:
        idp.create_identity_provider(UserPoolId=deployment.user_pool_id, ProviderName=provider_name,
                                     ProviderType="SAML", ProviderDetails=details, AttributeMapping=mapping)
    except idp.exceptions.DuplicateProviderException:
        idp.update_identity_provider(UserPoolId=deployment.user_pool_id, ProviderName=provider_name,
                                     ProviderDetails=details, AttributeMapping=mapping)
    client = idp.describe_user_pool_client(UserPoolId=deployment.user_pool_id,
                                           ClientId=deployment.client_id)["UserPoolClient"]
    providers = sorted(set(client.get("SupportedIdentityProviders") or ["COGNITO"]) | {provider_name})
    keep = ("ClientName", "RefreshTokenValidity", "AccessTokenValidity", "IdTokenValidity", "TokenValidityUnits",
            "ReadAttributes", "WriteAttributes", "ExplicitAuthFlows", "CallbackURLs", "LogoutURLs",
            "DefaultRedirectURI", "AllowedOAuthFlows", "AllowedOAuthScopes", "AllowedOAuthFlowsUserPoolClient",
            "PreventUserExistenceErrors", "EnableTokenRevocation", "EnablePropagateAdditionalUserContextData",
            "AuthSessionValidity")
    idp.update_user_pool_client(UserPoolId=deployment.user_pool_id, ClientId=deployment.client_id,
                                **{k: client[k] for k in keep if k in client}, SupportedIdentityProviders=providers)
    described = idp.describe_identity_provider(UserPoolId=deployment.user_pool_id,
                                               ProviderName=provider_name)["IdentityProvider"]
    after = idp.describe_user_pool_client(UserPoolId=deployment.user_pool_id,
                                          ClientId=deployment.client_id)["UserPoolClient"]
    return {"provider": described["ProviderName"], "type": described["ProviderType"],
            "email from": described.get("AttributeMapping", {}).get("email"),
            "offered by the web client": provider_name in (after.get("SupportedIdentityProviders") or [])}


def sample_idp_metadata(entity_id: str = "https://login.example.com/saml") -> str:
    """A well-formed SAML 2.0 IdP metadata document with a fresh self-signed signing certificate:
    what an identity provider's metadata looks like, for local mode (no real IdP to ask)."""
    import base64
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "login.example.com")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=365)).sign(key, hashes.SHA256()))
    der = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
    return (f'<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
            f'entityID="{entity_id}"><md:IDPSSODescriptor protocolSupportEnumeration='
            f'"urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo '
            f'xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{der}'
            f'</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService '
            f'Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{entity_id}/sso"/>'
            f'</md:IDPSSODescriptor></md:EntityDescriptor>')


def group_members(session, ident: EventIdentity) -> list[str]:
    """User names (racer emails) in the event group."""
    ids = session.client("identitystore")
    store = ident.center.identity_store_id
    members = []
    paginator_kwargs = {"IdentityStoreId": store, "GroupId": ident.group_id}
    token = None
    while True:
        page = ids.list_group_memberships(**paginator_kwargs, **({"NextToken": token} if token else {}))
        for m in page.get("GroupMemberships", []):
            uid = m["MemberId"]["UserId"]
            members.append(ids.describe_user(IdentityStoreId=store, UserId=uid)["UserName"])
        token = page.get("NextToken")
        if not token:
            return sorted(members)
