"""The event plan: limits, the day's projection, the quota for a budget, the plot."""
from __future__ import annotations


import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from labs.deepracer_event.capacity import Capacity  # noqa: E402
from labs.deepracer_event.deepracer import (  # noqa: E402
    DEFAULT_TRAINING_SLOTS,
    PLANNING_USD_PER_HOUR,
    ProjectionInputs,
    check_limits,
    plot_projection,
    project,
    quota_for_budget,
)


@pytest.fixture(scope="module")
def small():
    return project(ProjectionInputs(racers=200, quota_hours=5))


@pytest.fixture(scope="module")
def large():
    return project(ProjectionInputs(racers=2000, quota_hours=5))


# -- limits --------------------------------------------------------------------
def _capacity(slots=8, emails=50, delivery="Cognito default", production=None):
    return Capacity("ml.c7i.4xlarge", "L-1EC4D7FD", slots, "test", 0.945, "test", delivery, emails, "test", production)


def test_defaults_are_the_solutions():
    assert DEFAULT_TRAINING_SLOTS == 8 and PLANNING_USD_PER_HOUR > 0
    inputs = ProjectionInputs(racers=10, quota_hours=1)
    assert inputs.training_slots == 8 and inputs.evaluation_slots is None  # evaluations share the slots


def test_training_slots_and_emails_are_checked_against_the_account():
    checks = {c.name: c for c in check_limits(peak_slots=40, invitations_per_day=300, capacity=_capacity())}
    slots = checks["concurrent SageMaker training jobs (ml.c7i.4xlarge)"]
    assert (slots.default, slots.needed, slots.ok) == (8, 40, False)
    assert "L-1EC4D7FD" in slots.action and "at least 40" in slots.action
    mail = checks["invitation emails per day (Cognito default)"]
    assert not mail.ok and "SES" in mail.action
    assert len(checks) == 2


def test_at_the_limit_is_ok_and_ses_without_production_access_is_an_action():
    assert all(c.ok for c in check_limits(8, 50, _capacity()))
    checks = check_limits(8, 100, _capacity(emails=200, delivery="SES", production=False))
    assert [c.name for c in checks if not c.ok] == ["SES production access"]
    assert all(c.ok for c in check_limits(8, 100, _capacity(emails=50_000, delivery="SES", production=True)))


def test_negative_needs_are_rejected():
    with pytest.raises(ValueError, match="cannot be negative"):
        check_limits(-1, 0, _capacity())


def test_evaluations_share_the_training_slots_unless_given_their_own():
    shared = project(ProjectionInputs(racers=50, quota_hours=2, training_slots=20))
    separate = project(ProjectionInputs(racers=50, quota_hours=2, training_slots=20, evaluation_slots=20))
    assert "peak slot demand (training + evaluation)" in shared.summary()
    assert "peak evaluation demand" in separate.summary()
    assert shared.p95_wait >= separate.p95_wait


def test_spend_follows_the_price_per_hour():
    cheap = project(ProjectionInputs(racers=50, quota_hours=2, usd_per_hour=1.0))
    dear = project(ProjectionInputs(racers=50, quota_hours=2, usd_per_hour=2.0))
    assert dear.spend == pytest.approx(2 * cheap.spend)
    assert cheap.spend == pytest.approx(cheap.training_hours + cheap.evaluation_hours)


# -- projection ----------------------------------------------------------------
def test_same_seed_same_projection_and_other_seed_differs(small):
    again = project(ProjectionInputs(racers=200, quota_hours=5))
    assert again.summary() == small.summary()
    assert again.waits == small.waits
    assert (again.timeline.spend == small.timeline.spend).all()
    assert project(ProjectionInputs(racers=200, quota_hours=5, seed=1)).waits != small.waits


def _max_concurrent(jobs, kind=None):
    ran = [j for j in jobs if (kind is None or j.kind == kind) and j.started is not None]
    edges = sorted([(j.started, 1) for j in ran] + [(j.ended, -1) for j in ran],
                   key=lambda e: (e[0], e[1]))  # ends before starts at the same minute
    running = peak = 0
    for _, delta in edges:
        running += delta
        peak = max(peak, running)
    return peak


@pytest.mark.parametrize("which", ["small", "large"])
def test_invariants(which, request):
    p = request.getfixturevalue(which)
    inputs = p.inputs
    # slots are never exceeded, neither on the 5-minute timeline nor between its points
    assert p.timeline.running.max() <= inputs.training_slots
    assert _max_concurrent(p.jobs, "training") <= inputs.training_slots
    if inputs.evaluation_slots is None:  # evaluations share the training slots
        assert _max_concurrent(p.jobs) <= inputs.training_slots
    else:
        assert _max_concurrent(p.jobs, "evaluation") <= inputs.evaluation_slots
    # spend is the billed hours at the price per hour, and the timeline ends there
    assert p.spend == pytest.approx((p.training_hours + p.evaluation_hours) * inputs.usd_per_hour, abs=0.01)
    assert p.timeline.spend[-1] == pytest.approx(p.spend, abs=0.01)
    assert (p.timeline.spend[1:] >= p.timeline.spend[:-1] - 1e-9).all()
    # quota, waits, event end
    assert max(p.racer_training_hours.values()) <= inputs.quota_hours + 1e-9
    assert min(p.waits) >= 0
    end = inputs.event_hours * 60
    assert all(j.started < end and j.ended <= end for j in p.jobs if j.started is not None)
    assert len(p.racer_training_hours) <= inputs.participants == round(inputs.racers * 0.85)
    # peak demand covers what ran and queued at every timeline point
    assert p.peak_training >= (p.timeline.running + p.timeline.queued).max()
    assert p.models_stored == sum(j.kind == "training" and j.started is not None for j in p.jobs)
    assert p.storage_per_month == pytest.approx(p.models_stored * 0.05 * 0.023)
    assert list(p.timeline.minutes[:3]) == [0, 5, 10] and p.timeline.minutes[-1] == end


def test_more_racers_on_the_same_slots_wait_longer(small, large):
    assert large.p95_wait > small.p95_wait
    assert large.peak_training > small.peak_training > 0
    assert 0 <= small.p50_wait <= small.p95_wait


def test_plenty_of_slots_means_no_waiting():
    p = project(ProjectionInputs(racers=50, quota_hours=2, training_slots=1000))
    assert max(p.waits) == 0 and p.unstarted_jobs == 0
    assert p.peak_training <= 50


def test_2000_racers_every_job_accounted_for():
    # Its speed is measured in benchmarks/event_projection.py; here, that a large event is whole.
    p = project(ProjectionInputs(racers=2000, quota_hours=5, training_slots=500))
    started = [j for j in p.jobs if j.started is not None]
    training = [j for j in p.jobs if j.kind == "training"]
    assert len(training) > 2000 and p.unstarted_jobs == sum(j.started is None for j in training)
    assert all(j.ended >= j.started >= j.submitted for j in started)
    assert p.timeline.running.max() <= 500 < p.peak_training  # demand beyond the slots waits


def test_budget_crossing(small):
    assert small.budget_exhausted_at(small.spend * 2) is None
    half = small.budget_exhausted_at(small.spend / 2)
    assert 0 < half < small.inputs.event_hours * 60
    # at the crossing the 5-minute timeline brackets the budget
    tl = small.timeline
    i = int(half // 5)
    assert tl.spend[i] <= small.spend / 2 <= tl.spend[i + 1]
    assert small.budget_exhausted_at(small.spend) <= small.inputs.event_hours * 60
    assert small.budget_exhausted_at(small.spend / 4) < half


@pytest.mark.parametrize("racers,budget", [(200, 5000), (200, 800), (2000, 20000), (37, 1234.5)])
def test_quota_for_budget_keeps_projected_spend_within_budget(racers, budget):
    quota = quota_for_budget(racers, budget)
    assert quota > 0 and quota % 0.5 == 0
    # generous slots and a long event so nearly every racer uses the whole quota
    roomy = dict(racers=racers, event_hours=72.0, training_slots=10_000, evaluation_slots=10_000)
    assert project(ProjectionInputs(quota_hours=quota, **roomy)).spend <= budget
    # and it is not needlessly low: half an hour more may overspend in the worst case
    worst = round(racers * 0.85) * (quota + 0.5) * PLANNING_USD_PER_HOUR * (1 + 1 / 3)
    assert worst > budget


def test_quota_for_budget_rejects_budgets_too_small():
    with pytest.raises(ValueError, match="cannot cover"):
        quota_for_budget(2000, 100)
    with pytest.raises(ValueError, match="usd_per_hour"):
        quota_for_budget(10, 100, usd_per_hour=0)
    with pytest.raises(ValueError, match="budget must be positive"):
        quota_for_budget(10, 0)


@pytest.mark.parametrize("change,message", [
    ({"racers": 0}, "racers"),
    ({"quota_hours": 0}, "quota_hours"),
    ({"event_hours": -1}, "event_hours"),
    ({"job_hours": ()}, "job_hours"),
    ({"job_hours": (0.5, 0)}, "job_hours"),
    ({"eval_minutes": 0}, "eval_minutes"),
    ({"participation": 1.5}, "participation"),
    ({"think_minutes": (30, 5)}, "think_minutes"),
    ({"training_slots": 0}, "training_slots"),
    ({"evaluation_slots": 2.5}, "evaluation_slots"),
    ({"arrival_window": 2}, "arrival_window"),
    ({"model_gb": -0.1}, "model_gb"),
])
def test_bad_inputs_are_named(change, message):
    with pytest.raises(ValueError, match=message):
        ProjectionInputs(**{"racers": 10, "quota_hours": 5, **change})


def test_plot_has_two_labelled_panels(small):
    fig = plot_projection(small, budget=small.spend / 2)
    try:
        spend_ax, jobs_ax = fig.axes
        assert spend_ax.get_xlabel() == jobs_ax.get_xlabel() == "hours from start"
        assert spend_ax.get_title() and jobs_ax.get_title()
        assert any("exhausted" in t.get_text() for t in spend_ax.get_legend().get_texts())
        assert any("limit" in t.get_text() for t in jobs_ax.get_legend().get_texts())
    finally:
        plt.close(fig)
