"""Planning a DeepRacer event: what limits it, a day's projection, a quota for a budget.

On DeepRacer on AWS every racer's training and evaluation runs as a
SageMaker training job in the organiser's account, so the racers share that
account's SageMaker quota for the solution's instance type and its bill, and
every invitation is an email the account sends. The organiser has two knobs
(the per-racer quota and the budget) and two questions before the day: which
limits to raise (quota increases and SES production access take days, so
ask early), and whether the queue for training slots and the spend stay
acceptable. `project()` answers the second with a small, deterministic
simulation of the event day; `check_limits()` turns its peaks into actions.
The numbers it runs on come from the account (`capacity.read_capacity`).
"""
from __future__ import annotations

import heapq
import math
import numbers
import random
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from labs.deepracer_event.capacity import Capacity

# Defaults when the account is not asked (tests, planning before access): DeepRacer on AWS's
# implementation guide, "Service quotas" (read 2026-12-02): 8 concurrent SageMaker training jobs,
# shared by training, evaluation and race submissions. The price is a planning figure for
# ml.c7i.4xlarge training; capacity.read_capacity asks the AWS Price List API in aws mode.
DEFAULT_TRAINING_SLOTS = 8
PLANNING_USD_PER_HOUR = 0.945
STORAGE_USD_PER_GB_MONTH = 0.023
TIMELINE_STEP_MINUTES = 5


# -- limits --------------------------------------------------------------------
@dataclass
class LimitCheck:
    name: str
    default: int
    needed: int
    ok: bool
    action: str


def check_limits(peak_slots: int, invitations_per_day: int, capacity: "Capacity") -> list[LimitCheck]:
    """One line per limit of the account that the event's plan runs into, with what to ask for.

    `peak_slots` is the projection's peak demand for SageMaker training jobs (training plus
    evaluation: they share the quota); `invitations_per_day` the emails the busiest day sends.
    """
    if peak_slots < 0 or invitations_per_day < 0:
        raise ValueError("the numbers needed cannot be negative")
    checks = [LimitCheck(
        f"concurrent SageMaker training jobs ({capacity.instance_type})", capacity.training_slots, peak_slots,
        peak_slots <= capacity.training_slots,
        "OK" if peak_slots <= capacity.training_slots else
        f"Request a Service Quotas increase of '{capacity.instance_type} for training job usage' "
        f"({capacity.quota_code}) to at least {peak_slots}; until then jobs wait in the solution's queue")]
    emails_ok = invitations_per_day <= capacity.emails_per_day
    checks.append(LimitCheck(
        f"invitation emails per day ({capacity.email_delivery})", capacity.emails_per_day, invitations_per_day,
        emails_ok, "OK" if emails_ok else
        ("Send the user pool's mail through SES (deepracer_on_aws.use_ses) with a verified sender"
         if capacity.email_delivery == "Cognito default" else
         f"Ask SES for a sending quota of at least {invitations_per_day} a day, or invite over several days")))
    if capacity.email_delivery != "Cognito default" and capacity.ses_production is False:
        checks.append(LimitCheck("SES production access", 0, 1, False,
                                 "Request SES production access (the sandbox mails verified addresses only)"))
    return checks


# -- projection ----------------------------------------------------------------
@dataclass
class ProjectionInputs:
    racers: int
    quota_hours: float
    event_hours: float = 8.0
    job_hours: tuple[float, ...] = (0.5, 1.0, 1.5, 2.0)
    eval_minutes: float = 10
    participation: float = 0.85
    think_minutes: tuple[float, float] = (5, 30)
    training_slots: int = DEFAULT_TRAINING_SLOTS
    evaluation_slots: int | None = None  # None: evaluations share the training slots (DeepRacer on AWS)
    arrival_window: float = 0.5
    seed: int = 0
    model_gb: float = 0.05
    usd_per_hour: float = PLANNING_USD_PER_HOUR

    def __post_init__(self) -> None:
        """Fail on the notebook cell that set a bad value, not deep inside the simulation."""
        self.job_hours = tuple(float(h) for h in self.job_hours)
        self.think_minutes = tuple(float(m) for m in self.think_minutes)  # type: ignore[assignment]
        problems = []
        if not isinstance(self.racers, numbers.Integral) or self.racers < 1:
            problems.append(f"racers must be a whole number of at least 1 (got {self.racers!r})")
        if not self.quota_hours > 0:
            problems.append(f"quota_hours must be positive (got {self.quota_hours!r})")
        if not 0 < self.event_hours <= 72:
            problems.append(f"event_hours must be between 0 and 72 (got {self.event_hours!r})")
        if not self.job_hours or min(self.job_hours) <= 0:
            problems.append(f"job_hours must be a non-empty list of positive hours "
                            f"(got {self.job_hours!r})")
        if not self.eval_minutes > 0:
            problems.append(f"eval_minutes must be positive (got {self.eval_minutes!r})")
        if not 0 < self.participation <= 1:
            problems.append(f"participation is a fraction in (0, 1] (got {self.participation!r})")
        if len(self.think_minutes) != 2 or not 0 <= self.think_minutes[0] <= self.think_minutes[1]:
            problems.append(f"think_minutes must be a (low, high) range with 0 <= low <= high "
                            f"(got {self.think_minutes!r})")
        for name in ("training_slots", "evaluation_slots"):
            value = getattr(self, name)
            if value is None and name == "evaluation_slots":
                continue
            if not isinstance(value, numbers.Integral) or value < 1:
                problems.append(f"{name} must be a whole number of at least 1 (got {value!r})")
        if not self.usd_per_hour > 0:
            problems.append(f"usd_per_hour must be positive (got {self.usd_per_hour!r})")
        if not 0 <= self.arrival_window <= 1:
            problems.append(f"arrival_window is a fraction of the event in [0, 1] "
                            f"(got {self.arrival_window!r})")
        if not self.model_gb >= 0:
            problems.append(f"model_gb cannot be negative (got {self.model_gb!r})")
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def participants(self) -> int:
        return participants(self.racers, self.participation)


def participants(racers: int, participation: float) -> int:
    """Shared by `project` and `quota_for_budget` so the budget bound uses the same head count."""
    return max(1, round(racers * participation))


@dataclass(slots=True)
class Job:
    """One training or evaluation job; `started` is None when the event ended first."""
    racer: int
    kind: str  # "training" | "evaluation"
    submitted: float
    requested: float
    started: float | None = None
    ended: float | None = None

    @property
    def minutes(self) -> float:
        return 0.0 if self.started is None else self.ended - self.started


@dataclass
class Timeline:
    minutes: np.ndarray
    running: np.ndarray
    queued: np.ndarray
    spend: np.ndarray


@dataclass
class Projection:
    inputs: ProjectionInputs
    jobs: list[Job]
    timeline: Timeline
    waits: list[float]
    training_hours: float
    evaluation_hours: float
    spend: float
    models_stored: int
    storage_per_month: float
    peak_training: int
    peak_evaluation: int
    unstarted_jobs: int
    racer_training_hours: dict[int, float]
    _spend_t: np.ndarray = field(repr=False)
    _spend_usd: np.ndarray = field(repr=False)

    @property
    def p50_wait(self) -> float:
        return _percentile(self.waits, 50)

    @property
    def p95_wait(self) -> float:
        return _percentile(self.waits, 95)

    def budget_exhausted_at(self, budget: float) -> float | None:
        """Minutes from the start when spend reaches `budget`, None if it never does.

        Exact, not read off the 5-minute timeline: spend grows linearly between
        job starts and ends, so interpolating between those breakpoints is exact.
        """
        if budget <= 0:
            return 0.0
        if self._spend_usd[-1] < budget:
            return None
        i = int(np.searchsorted(self._spend_usd, budget, side="left"))
        t0, t1 = self._spend_t[i - 1], self._spend_t[i]
        s0, s1 = self._spend_usd[i - 1], self._spend_usd[i]
        return float(t0 + (budget - s0) / (s1 - s0) * (t1 - t0))

    def summary(self) -> dict[str, float | int]:
        """The figures a notebook prints, rounded for people."""
        return {
            "racers taking part": self.inputs.participants,
            "training jobs": sum(j.kind == "training" and j.started is not None for j in self.jobs),
            "training jobs never started": self.unstarted_jobs,
            "training hours": round(self.training_hours, 1),
            "evaluation hours": round(self.evaluation_hours, 1),
            "spend USD": round(self.spend, 2),
            "models stored": self.models_stored,
            "storage USD per month": round(self.storage_per_month, 2),
            **({"peak slot demand (training + evaluation)": self.peak_training}
               if self.inputs.evaluation_slots is None else
               {"peak training demand": self.peak_training, "peak evaluation demand": self.peak_evaluation}),
            "p50 wait min": round(self.p50_wait, 1),
            "p95 wait min": round(self.p95_wait, 1),
        }


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else 0.0


class _Pool:
    """Slots with a FIFO queue; tracks peak running + queued, the demand a limit must meet."""

    def __init__(self, slots: int) -> None:
        self.free = slots
        self.queue: deque[Job] = deque()
        self.peak = 0
        self._slots = slots

    def note_demand(self) -> None:
        self.peak = max(self.peak, self._slots - self.free + len(self.queue))


# Completions sort before submissions at the same minute, so a slot freed at t
# is reused at t instead of being counted as a queue.
_DONE, _SUBMIT = 0, 1


def project(inputs: ProjectionInputs) -> Projection:
    """Simulate the event day (discrete events, seeded), to see queues and spend before they happen.

    Each taking-part racer arrives within the arrival window and loops: train
    (FIFO for a training slot), evaluate (FIFO for an evaluation slot), think,
    until the quota is used or the event ends. A job must start before the
    end and is cut at the end, as the organiser would stop training then.
    """
    rng = random.Random(inputs.seed)
    end = inputs.event_hours * 60
    choices = [h * 60 for h in inputs.job_hours]
    remaining = {}
    events: list[tuple[float, int, int, int, Job | None]] = []
    seq = 0

    def push(t: float, order: int, racer: int, job: Job | None) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(events, (t, order, seq, racer, job))

    for racer in range(inputs.participants):
        remaining[racer] = inputs.quota_hours * 60
        push(rng.uniform(0, inputs.arrival_window * end), _SUBMIT, racer, None)

    training_pool = _Pool(inputs.training_slots)
    pools = {"training": training_pool,
             "evaluation": training_pool if inputs.evaluation_slots is None else _Pool(inputs.evaluation_slots)}
    jobs: list[Job] = []

    def start_queued(kind: str, t: float) -> None:
        pool = pools[kind]
        while pool.free and pool.queue and t < end:
            job = pool.queue.popleft()
            job.started, job.ended = t, min(t + job.requested, end)
            pool.free -= 1
            if kind == "training":
                remaining[job.racer] -= job.minutes
            push(job.ended, _DONE, job.racer, job)
        pool.note_demand()

    def submit(kind: str, racer: int, t: float, minutes: float) -> None:
        job = Job(racer, kind, t, minutes)
        jobs.append(job)
        pools[kind].queue.append(job)
        start_queued(kind, t)

    while events:
        t, _, _, racer, job = heapq.heappop(events)
        if job is None:  # the racer is ready for the next training job
            if t < end and remaining[racer] > 1e-9:
                submit("training", racer, t, min(rng.choice(choices), remaining[racer]))
            continue
        pools[job.kind].free += 1
        start_queued(job.kind, t)
        if job.kind == "training":
            if t < end:
                submit("evaluation", racer, t, inputs.eval_minutes)
        else:
            push(t + rng.uniform(*inputs.think_minutes), _SUBMIT, racer, None)

    return _summarise(inputs, jobs, pools, end)


def _summarise(inputs: ProjectionInputs, jobs: list[Job], pools: dict[str, _Pool],
               end: float) -> Projection:
    training = [j for j in jobs if j.kind == "training"]
    ran = [j for j in jobs if j.started is not None]
    training_hours = sum(j.minutes for j in training) / 60
    evaluation_hours = sum(j.minutes for j in ran if j.kind == "evaluation") / 60
    models = sum(j.started is not None for j in training)
    per_racer: dict[int, float] = {}
    for j in training:
        per_racer[j.racer] = per_racer.get(j.racer, 0.0) + j.minutes / 60

    spend_t, spend_usd = _spend_curve(ran, inputs.usd_per_hour)
    grid = np.arange(0, end + 1e-9, TIMELINE_STEP_MINUTES, dtype=float)
    starts = np.sort([j.started for j in training if j.started is not None])
    ends = np.sort([j.ended for j in training if j.started is not None])
    submits = np.sort([j.submitted for j in training])
    leaves = np.sort([end if j.started is None else j.started for j in training])

    def count_le(values: np.ndarray) -> np.ndarray:
        return np.searchsorted(values, grid, side="right")

    timeline = Timeline(
        minutes=grid,
        running=count_le(starts) - count_le(ends),
        queued=count_le(submits) - count_le(leaves),
        spend=np.interp(grid, spend_t, spend_usd),
    )
    return Projection(
        inputs=inputs, jobs=jobs, timeline=timeline,
        waits=[j.started - j.submitted for j in training if j.started is not None],
        training_hours=training_hours, evaluation_hours=evaluation_hours,
        spend=(training_hours + evaluation_hours) * inputs.usd_per_hour,
        models_stored=models,
        storage_per_month=models * inputs.model_gb * STORAGE_USD_PER_GB_MONTH,
        peak_training=pools["training"].peak, peak_evaluation=pools["evaluation"].peak,
        unstarted_jobs=sum(j.started is None for j in training),
        racer_training_hours=per_racer, _spend_t=spend_t, _spend_usd=spend_usd,
    )


def _spend_curve(ran: list[Job], usd_per_hour: float) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative spend at every job start/end: the breakpoints of a piecewise-linear curve."""
    price = {"training": usd_per_hour / 60, "evaluation": usd_per_hour / 60}
    times = np.array([0.0] + [j.started for j in ran] + [j.ended for j in ran])
    rates = np.array([0.0] + [price[j.kind] for j in ran] + [-price[j.kind] for j in ran])
    order = np.argsort(times, kind="stable")
    times, rate = times[order], np.cumsum(rates[order])
    spend = np.concatenate(([0.0], np.cumsum(rate[:-1] * np.diff(times))))
    return times, spend


# -- plotting ------------------------------------------------------------------
def plot_projection(projection: Projection, budget: float) -> Figure:
    """Spend against the budget, and demand against the slot limit, on one shared clock.

    Returned as a pyplot Figure so Jupyter shows it inline; scripts close it.
    """
    import matplotlib.pyplot as plt

    tl = projection.timeline
    hours = tl.minutes / 60
    fig, (spend_ax, jobs_ax) = plt.subplots(1, 2, figsize=(12, 4.5))

    spend_ax.plot(hours, tl.spend, label="projected spend")
    spend_ax.axhline(budget, color="tab:red", linestyle="--", label=f"budget ${budget:,.0f}")
    crossed = projection.budget_exhausted_at(budget)
    if crossed is not None:
        spend_ax.plot([crossed / 60], [budget], "o", color="tab:red",
                      label=f"budget exhausted at {crossed / 60:.1f} h")
    spend_ax.set(title="Cumulative spend", xlabel="hours from start", ylabel="USD")
    spend_ax.legend(loc="upper left")

    slots = projection.inputs.training_slots
    jobs_ax.plot(hours, tl.running, label="running training jobs")
    jobs_ax.plot(hours, tl.queued, label="queued training jobs")
    jobs_ax.axhline(slots, color="tab:red", linestyle="--", label=f"{slots}-slot limit")
    jobs_ax.set(title="Training jobs", xlabel="hours from start", ylabel="jobs")
    top = max(slots, int(tl.running.max()), int(tl.queued.max()))
    jobs_ax.set_ylim(0, top * 1.3)  # headroom so the legend never hides the limit line
    jobs_ax.legend(loc="upper right")

    fig.tight_layout()
    return fig


# -- quota ---------------------------------------------------------------------
# Evaluation hours per training hour, at worst: every job is the shortest
# choice (0.5 h) and is followed by one 10-minute evaluation.
EVAL_RATIO_UPPER = (10 / 60) / 0.5


def quota_for_budget(racers: int, budget: float, participation: float = 0.85,
                     eval_ratio: float = EVAL_RATIO_UPPER, step_hours: float = 0.5,
                     usd_per_hour: float = PLANNING_USD_PER_HOUR) -> float:
    """The largest per-racer quota whose worst-case spend fits the budget.

    An upper bound, so it errs toward the budget holding: it assumes every
    taking-part racer uses the whole quota and every job is the shortest, so
    evaluations are as frequent as they can be. The quota is rounded down to
    whole `step_hours` (the shortest job), because a remainder shorter than
    that would add an evaluation the ratio does not count. Model storage is
    left out: it is billed monthly after the event and is cents per model.
    """
    if racers < 1:
        raise ValueError(f"racers must be at least 1 (got {racers})")
    if budget <= 0:
        raise ValueError(f"budget must be positive (got {budget})")
    if not 0 < participation <= 1:
        raise ValueError(f"participation is a fraction in (0, 1] (got {participation})")
    if eval_ratio < 0 or step_hours <= 0:
        raise ValueError("eval_ratio cannot be negative and step_hours must be positive")
    if not usd_per_hour > 0:
        raise ValueError(f"usd_per_hour must be positive (got {usd_per_hour})")
    per_hour = usd_per_hour * (1 + eval_ratio)
    raw = budget / (participants(racers, participation) * per_hour)
    quota = math.floor(raw / step_hours + 1e-9) * step_hours
    if quota <= 0:
        raise ValueError(
            f"a ${budget:,.2f} budget cannot cover even {step_hours} h per racer for "
            f"{participants(racers, participation)} racers (about "
            f"${participants(racers, participation) * per_hour * step_hours:,.2f} needed)")
    return quota
