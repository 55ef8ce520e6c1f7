"""CloudWatch alarms (the event's spend alarm): in the session's region and in us-east-1,
where billing alarms live."""
from __future__ import annotations

from typing import Iterator

from helpers.aws import BILLING_REGION, pages, tag_dict
from helpers.resources.base import Listing, Resource
from helpers.resources.registry import deleter, lister


@lister("cloudwatch", ["alarm"])
def list_alarms(ctx: Listing) -> Iterator[Resource]:
    for region in sorted({ctx.region, BILLING_REGION}):
        cw = ctx.client("cloudwatch", region)
        for alarm, t in ctx.tagged(pages(cw, "describe_alarms", "MetricAlarms"), lambda alarm: tag_dict(
                cw.list_tags_for_resource(ResourceARN=alarm["AlarmArn"]).get("Tags"))):
            yield ctx.res("cloudwatch", "alarm", alarm["AlarmName"], alarm["AlarmName"], arn=alarm["AlarmArn"],
                          tags=t, region=region, state=alarm.get("StateValue", ""))


@deleter("cloudwatch", "alarm", phase=21, title="alarms")
def delete_alarm(ctx, r, st):
    cw = ctx.client("cloudwatch", r.region)
    if not cw.describe_alarms(AlarmNames=[r.id]).get("MetricAlarms"):
        return "deleted" if st.started else "already gone"  # DeleteAlarms says nothing about missing alarms
    cw.delete_alarms(AlarmNames=[r.id])
    st.started = True
    return "deleted"
