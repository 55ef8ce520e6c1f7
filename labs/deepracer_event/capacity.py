"""What the account can give the event on the day: training slots, their price, invitation emails.

Each figure is read from the account where AWS answers, and says where it
came from, because an organiser sizing an event must know which numbers are
the account's and which are planning defaults:

* training slots: Service Quotas, the SageMaker quota of the solution's
  instance type for training jobs (DeepRacer on AWS checks the same quota
  before it dispatches a job); else the default its guide gives (8);
* price per training hour: the AWS Price List API (us-east-1 endpoint) for
  that instance type's SageMaker training usage in the session's region;
  else the kit's planning figure;
* emails a day: Cognito's default sender (50) unless the user pool sends
  through SES, then the SES account's 24-hour quota and whether it has
  production access.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from helpers import deepracer_on_aws as dra
from labs.deepracer_event.deepracer import DEFAULT_TRAINING_SLOTS, PLANNING_USD_PER_HOUR

PRICING_REGION = "us-east-1"  # the Price List API's endpoint region


@dataclass(frozen=True)
class Capacity:
    instance_type: str
    quota_code: str
    training_slots: int
    slots_source: str
    usd_per_hour: float
    price_source: str
    email_delivery: str  # "Cognito default" | "SES"
    emails_per_day: int
    email_source: str
    ses_production: bool | None

    def rows(self) -> list[dict]:
        d = asdict(self)
        return [{"figure": "training slots (concurrent SageMaker training jobs)", "value": d["training_slots"],
                 "source": d["slots_source"]},
                {"figure": f"USD per training hour ({self.instance_type})", "value": d["usd_per_hour"],
                 "source": d["price_source"]},
                {"figure": f"invitation emails per day ({self.email_delivery})", "value": d["emails_per_day"],
                 "source": d["email_source"]}]


def training_slots(session, instance_type: str = dra.TRAINING_INSTANCE_TYPE,
                   quota_code: str = dra.TRAINING_QUOTA_CODE) -> tuple[int, str]:
    sq = session.client("service-quotas")
    for ask, label in ((sq.get_service_quota, "Service Quotas (applied)"),
                       (sq.get_aws_default_service_quota, "Service Quotas (AWS default)")):
        try:
            value = ask(ServiceCode="sagemaker", QuotaCode=quota_code)["Quota"]["Value"]
            return int(value), f"{label}: sagemaker {quota_code}"
        except Exception:  # noqa: BLE001 - not answered (no such quota here, no permission, local mode)
            continue
    return DEFAULT_TRAINING_SLOTS, ("DeepRacer on AWS implementation guide, Service quotas: default 8 "
                                    "(not answered by Service Quotas here)")


def training_price(session, instance_type: str = dra.TRAINING_INSTANCE_TYPE) -> tuple[float, str]:
    if session.local:
        return PLANNING_USD_PER_HOUR, "planning figure (no Price List API offline; aws mode reads it)"
    try:
        pricing = session.client("pricing", region_name=PRICING_REGION)
        page = pricing.get_products(ServiceCode="AmazonSageMaker", MaxResults=20, Filters=[
            {"Type": "TERM_MATCH", "Field": "instanceName", "Value": instance_type},
            {"Type": "TERM_MATCH", "Field": "regionCode", "Value": session.region},
            {"Type": "TERM_MATCH", "Field": "component", "Value": "Training"}])
        for raw in page.get("PriceList", []):
            product = json.loads(raw)
            for term in product.get("terms", {}).get("OnDemand", {}).values():
                for dim in term.get("priceDimensions", {}).values():
                    usd = float(dim.get("pricePerUnit", {}).get("USD", 0))
                    if usd > 0:
                        return usd, f"AWS Price List API ({session.region}, on demand)"
    except Exception:  # noqa: BLE001 - no pricing:GetProducts permission: fall back, and say so
        pass
    return PLANNING_USD_PER_HOUR, "planning figure (the Price List API did not answer)"


def email_capacity(session, deployment: dra.Deployment | None) -> tuple[str, int, str, bool | None]:
    delivery = "Cognito default"
    if deployment is not None:
        pool = session.client("cognito-idp").describe_user_pool(UserPoolId=deployment.user_pool_id)["UserPool"]
        if (pool.get("EmailConfiguration") or {}).get("EmailSendingAccount") == "DEVELOPER":
            delivery = "SES"
    if delivery == "Cognito default":
        return delivery, dra.COGNITO_DAILY_EMAILS, "Amazon Cognito default email: 50 a day per account", None
    account = session.client("sesv2").get_account()
    quota = int((account.get("SendQuota") or {}).get("Max24HourSend", 200))
    production = bool(account.get("ProductionAccessEnabled"))
    return delivery, quota, f"SES account quota ({'production' if production else 'sandbox'})", production


def read_capacity(session, deployment: dra.Deployment | None = None) -> Capacity:
    slots, slots_source = training_slots(session)
    price, price_source = training_price(session)
    delivery, emails, email_source, production = email_capacity(session, deployment)
    return Capacity(dra.TRAINING_INSTANCE_TYPE, dra.TRAINING_QUOTA_CODE, slots, slots_source, price, price_source,
                    delivery, emails, email_source, production)
