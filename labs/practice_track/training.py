"""Train a car with PPO, evaluate it on three laps, and draw what happened.

PPO is DeepRacer's algorithm; here it is stable-baselines3's, on CPU torch, with DeepRacer's default
hyperparameters where they carry over (DeepRacer on AWS `DEFAULT_PPO_HYPERPARAMETERS`: learning rate
0.0003, batch size 64, 10 epochs, discount 0.99, entropy 0.01). Training is seeded and runs torch on one
thread, so the same reward function, track and seed train the same car on the same machine.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from labs.practice_track.env import PracticeVecEnv, Rewards, RewardLike, TrackAhead
from labs.practice_track.simulator import ContinuousActions, DiscreteActions, Simulator
from labs.practice_track.tracks import Track

#: DeepRacer's PPO defaults, in stable-baselines3's names; n_steps x n_envs experiences between updates.
PPO_SETTINGS = dict(learning_rate=3e-4, batch_size=64, n_epochs=10, gamma=0.99, ent_coef=0.01, n_steps=256)
N_ENVS = 8


def budget(quick: bool) -> int:
    """Training steps for a profile: quick (CI, a few minutes of notebook) or full."""
    return 60_000 if quick else 400_000


@dataclass
class Training:
    """A trained policy and how training went."""
    model: Any
    history: list[dict[str, Any]]             # one row per finished episode
    timesteps: int
    seconds: float
    first_lap: dict[str, Any] | None = None   # the first episode that completed a lap (timestep, seconds)
    actions: Any = None
    observation: Any = None

    def frame(self):
        import pandas as pd

        return pd.DataFrame(self.history)

    def improvement(self, window: int = 50) -> tuple[float, float]:
        """Mean progress (%) of the first and of the last `window` episodes."""
        p = np.array([h["progress"] for h in self.history], dtype=float)
        w = max(1, min(window, len(p) // 3 or 1))
        return float(p[:w].mean()), float(p[-w:].mean())


def _progress_bar(total: int, enabled: bool, vec: PracticeVecEnv, stop_at_first_lap: bool,
                  time_limit_s: float | None, report_to=None):
    from stable_baselines3.common.callbacks import BaseCallback

    from helpers import progress

    class Bar(BaseCallback):
        """A tqdm bar over training steps (best progress so far in its text); stops early when asked."""

        def _on_training_start(self) -> None:
            self.bar = progress.bar(total, "training", unit="step", enabled=enabled, mininterval=1.0,
                                    report_to=report_to)
            self.seen = 0
            self.best = 0.0
            self.first_lap = None
            self.start = time.monotonic()

        def _on_step(self) -> bool:
            self.bar.update(vec.num_envs)
            new = vec.history[self.seen:]
            self.seen = len(vec.history)
            for h in new:
                self.best = max(self.best, h["progress"])
                if self.first_lap is None and h["status"] == "lap_complete":
                    self.first_lap = {"timestep": h["timestep"], "seconds": time.monotonic() - self.start,
                                      "episode": h["episode"]}
            if new:
                self.bar.set_postfix_str(f"best progress {self.best:.0f}%, episodes {self.seen}", refresh=False)
            if stop_at_first_lap and self.first_lap is not None:
                return False
            if time_limit_s is not None and time.monotonic() - self.start > time_limit_s:
                return False
            return True

        def _on_training_end(self) -> None:
            self.bar.close()

    return Bar()


def train(reward: RewardLike, track: Track, *, timesteps: int, seed: int = 7, n_envs: int = N_ENVS,
          actions: DiscreteActions | ContinuousActions | None = None, observation: TrackAhead | None = None,
          progress_bar: bool = True, stop_at_first_lap: bool = False, time_limit_s: float | None = None,
          report_to=None, **ppo: Any) -> Training:
    """Train PPO on the practice track with this reward function (source text runs in its sandbox).

    `report_to`: the session's progress file (`session.config.progress`), so a headless run's console
    shows the training bar too."""
    import torch
    from stable_baselines3 import PPO

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    vec = PracticeVecEnv(track, reward, n_envs=n_envs, actions=actions, observation=observation, seed=seed)
    settings = {**PPO_SETTINGS, **ppo}
    model = PPO("MlpPolicy", vec, seed=seed, verbose=0, device="cpu", **settings)
    bar = _progress_bar(timesteps, progress_bar, vec, stop_at_first_lap, time_limit_s, report_to)
    start = time.monotonic()
    try:
        model.learn(total_timesteps=timesteps, callback=bar)
    finally:
        vec.close()
    return Training(model, list(vec.history), vec.total_steps, time.monotonic() - start, bar.first_lap,
                    vec.actions, vec.observation)


@dataclass
class Evaluation:
    """Three laps (or fewer, if time ran out): one row per lap, and every step's position, speed, reward."""
    laps: list[dict[str, Any]]
    x: np.ndarray
    y: np.ndarray
    speed: np.ndarray
    reward: np.ndarray
    lap: np.ndarray
    off_track: list[tuple[float, float]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        done = [lap for lap in self.laps if lap["completion (%)"] >= 100]
        return {"laps completed": f"{len(done)}/{len(self.laps)}",
                "mean completion (%)": round(float(np.mean([lap["completion (%)"] for lap in self.laps])), 1),
                "best lap time (s)": min((lap["lap time (s)"] for lap in done), default=None),
                "off-track": sum(lap["off-track"] for lap in self.laps)}


def evaluate(training: Training, track: Track, reward: RewardLike, laps: int = 3,
             max_lap_s: float | None = None) -> Evaluation:
    """Drive `laps` laps in a row from the start line with the trained policy (deterministic actions).

    As in a DeepRacer evaluation, going off the track does not end the run: the car is put back on the
    centre line where it left it, the off-track is counted, and the lap goes on. A lap that takes longer
    than `max_lap_s` (default: the time at the slowest speed, doubled) is cut and reported incomplete."""
    actions = training.actions or DiscreteActions.default()
    observation = training.observation or TrackAhead()
    sim = Simulator(track, 1, max_steps=10**9, min_speed=actions.min_speed)
    rewards = Rewards(reward, sim.static)
    limit = max_lap_s or 2 * track.length / actions.min_speed
    sim.reset(np.array([0]), 0.0)
    rows, xs, ys, vs, rs, ls, offs = [], [], [], [], [], [], []
    try:
        for lap in range(1, laps + 1):
            off, lap_steps, progress = 0, 0, 0.0
            while True:
                obs = observation(sim)
                action, _ = training.model.predict(obs, deterministic=True)
                steer, speed = actions.decode(action)
                res = sim.step(steer, speed)
                r = float(rewards(res.params)[0])
                lap_steps += 1
                p = res.params[0]
                xs.append(p["x"]), ys.append(p["y"]), vs.append(p["speed"]), rs.append(r), ls.append(lap)
                progress = float(res.progress[0])
                if res.status[0] == "lap_complete":
                    break
                if res.off[0]:
                    off += 1
                    offs.append((p["x"], p["y"]))
                    sim.place_back(0)
                if lap_steps * (1 / 15) > limit:
                    break
            rows.append({"lap": lap, "completion (%)": round(progress, 1),
                         "lap time (s)": round(lap_steps / 15, 2), "off-track": off})
            if progress < 100:
                break
            # the next lap starts where this one ended, progress counted from there
            sim.start_ndist[0] = (sim.s_front[0] / sim.geom.length) % 1.0
            sim.prev_progress[0] = 0.0
            sim.steps[0] = 0
    finally:
        rewards.close()
    return Evaluation(rows, np.array(xs), np.array(ys), np.array(vs), np.array(rs), np.array(ls), offs)


# --------------------------------------------------------------------------------------------- plots

def plot_track(track: Track, ax=None):
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(7, 4.5))[1]
    ax.fill(track.outer[:, 0], track.outer[:, 1], color="0.85", zorder=0)
    ax.fill(track.inner[:, 0], track.inner[:, 1], color="white", zorder=0)
    ax.plot(track.inner[:, 0], track.inner[:, 1], color="0.4", lw=1)
    ax.plot(track.outer[:, 0], track.outer[:, 1], color="0.4", lw=1)
    ax.plot(track.center[:, 0], track.center[:, 1], color="0.6", lw=0.8, ls="--")
    ax.plot(*track.center[0], marker="s", color="black", ms=5)
    ax.annotate("start", track.center[0], textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.set_aspect("equal")
    ax.set_xticks([]), ax.set_yticks([])
    return ax


def plot_trajectory(track: Track, ev: Evaluation, color: str = "speed", ax=None, title: str | None = None):
    """The evaluation's path on the track, each step a dot coloured by `speed` or `reward`."""
    import matplotlib.pyplot as plt

    ax = plot_track(track, ax)
    values = ev.speed if color == "speed" else ev.reward
    dots = ax.scatter(ev.x, ev.y, c=values, s=6, cmap="viridis" if color == "speed" else "plasma", zorder=3)
    for x, y in ev.off_track:
        ax.plot(x, y, marker="x", color="red", ms=8, mew=2, zorder=4)
    plt.colorbar(dots, ax=ax, shrink=0.7, label="speed (m/s)" if color == "speed" else "reward")
    ax.set_title(title or f"coloured by {color}")
    return ax


def plot_curves(trainings: dict[str, Training], window: int = 25):
    """Episode reward and progress against training steps (rolling means), one line per training."""
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 3.5))
    for name, tr in trainings.items():
        df = tr.frame()
        if df.empty:
            continue
        w = max(1, min(window, len(df) // 5 or 1))
        a.plot(df["timestep"], df["reward"].rolling(w, min_periods=1).mean(), label=name)
        b.plot(df["timestep"], df["progress"].rolling(w, min_periods=1).mean(), label=name)
    a.set_xlabel("training steps"), a.set_ylabel("episode reward"), a.set_title("Reward per episode")
    b.set_xlabel("training steps"), b.set_ylabel("progress (%)"), b.set_title("Progress per episode")
    b.set_ylim(0, 105)
    for ax in (a, b):
        ax.legend(fontsize=8)
    plt.tight_layout()
    return fig
