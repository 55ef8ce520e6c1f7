"""What the car sees, and the environments PPO trains on.

**What the car sees is not a camera.** The real DeepRacer learns from 160x120 grey camera frames; learning
from pixels takes hours of GPU time. Here the observation is a compact view of the track ahead relative to
the car (`TrackAhead`): a handful of centre-line points ahead, in the car's own frame, plus how far the car
is from the centre line and how wide the road is. It is the information a camera frame carries about
where the road goes, without the pixels, so a policy learns in minutes on a CPU. What a racer practises,
the reward function, is the same either way; the observation is one class with `space()` and
`__call__(sim)`, and any other (a rendered top view, lidar-like rays) can take its place.

`PracticeTrackEnv` is a Gymnasium environment for one car. `PracticeVecEnv` is the same environment for
many cars at once, as a stable-baselines3 `VecEnv`: one simulator step moves every car, and the reward
function is called once per step for all of them (one round trip to its sandbox). Episodes start where
DeepRacer training starts them: each new episode of a car 5 % further round the track than its last
(`ROUND_ROBIN_ADVANCE_DIST`), and the cars spread around the lap.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Mapping, Sequence

import gymnasium as gym
import numpy as np
from stable_baselines3.common.vec_env.base_vec_env import VecEnv

from helpers.reward_function import RewardSandbox
from labs.practice_track.simulator import ContinuousActions, DiscreteActions, Simulator
from labs.practice_track.tracks import Track

ROUND_ROBIN = 0.05
RewardLike = str | Callable[[dict[str, Any]], float]


class TrackAhead:
    """The observation: `points` centre-line points every `spacing` m ahead of the car's front, in the car's
    frame (x forward, y left) and scaled by the look-ahead, then the front's signed offset from the centre
    line over half the width, and half the width (m)."""

    def __init__(self, points: int = 10, spacing: float = 0.3):
        self.points, self.spacing = points, spacing
        self.ahead = spacing * np.arange(1, points + 1)

    def space(self) -> gym.spaces.Box:
        return gym.spaces.Box(-5.0, 5.0, shape=(2 * self.points + 2,), dtype=np.float32)

    def __call__(self, sim: Simulator) -> np.ndarray:
        pts = sim.geom.point_at(sim.s_front[:, None] + self.ahead[None, :])  # (n, K, 2)
        rel = pts - sim.pos[:, None, :]
        cos, sin = np.cos(sim.yaw)[:, None], np.sin(sim.yaw)[:, None]
        local = np.stack([cos * rel[..., 0] + sin * rel[..., 1], -sin * rel[..., 0] + cos * rel[..., 1]], axis=-1)
        local /= self.ahead[-1]
        half = sim.width_here / 2
        extra = np.stack([sim.lateral / half, half], axis=1)
        return np.clip(np.concatenate([local.reshape(sim.n, -1), extra], axis=1), -5, 5).astype(np.float32)


class Rewards:
    """The reward function, in its sandbox (source text: untrusted) or called directly (a trusted callable,
    for tests and for measuring the simulator alone)."""

    def __init__(self, reward: RewardLike, static: Mapping[str, Any], call_timeout_s: float = 1.0,
                 memory_mb: int = 1024):
        self.static = dict(static)
        self.sandbox = RewardSandbox(reward, static=static, call_timeout_s=call_timeout_s, memory_mb=memory_mb) \
            if isinstance(reward, str) else None
        self.fn = None if isinstance(reward, str) else reward

    def __call__(self, batch: Sequence[dict[str, Any]]) -> np.ndarray:
        if self.sandbox is not None:
            return np.asarray(self.sandbox.rewards(batch), dtype=np.float64)
        return np.asarray([float(self.fn({**p, **self.static})) for p in batch], dtype=np.float64)

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.close()


def action_space(actions: DiscreteActions | ContinuousActions) -> gym.Space:
    if isinstance(actions, DiscreteActions):
        return gym.spaces.Discrete(len(actions.actions))
    return gym.spaces.Box(-1.0, 1.0, shape=(2,), dtype=np.float32)


class PracticeVecEnv(VecEnv):
    """`n_envs` cars on one track, stepped together; every finished episode lands in `history`."""

    def __init__(self, track: Track, reward: RewardLike, n_envs: int = 8,
                 actions: DiscreteActions | ContinuousActions | None = None, observation: TrackAhead | None = None,
                 max_steps: int | None = None, seed: int = 0):
        self.actions = actions or DiscreteActions.default()
        self.observation = observation or TrackAhead()
        self.sim = Simulator(track, n_envs, max_steps=max_steps, min_speed=self.actions.min_speed)
        self.reward = Rewards(reward, self.sim.static)
        self.render_mode = None
        super().__init__(n_envs, self.observation.space(), action_space(self.actions))
        self.offsets = np.arange(n_envs) / n_envs
        self.episodes = np.zeros(n_envs, dtype=int)
        self.ep_reward = np.zeros(n_envs)
        self.history: list[dict[str, Any]] = []
        self.total_steps = 0
        self.started = time.monotonic()
        self._actions = None
        self._seed = seed

    def _starts(self, cars: np.ndarray) -> np.ndarray:
        return (self.offsets[cars] + ROUND_ROBIN * self.episodes[cars]) % 1.0

    def reset(self) -> np.ndarray:
        cars = np.arange(self.num_envs)
        self.sim.reset(cars, self._starts(cars))
        self.ep_reward[:] = 0
        return self.observation(self.sim)

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = actions

    def step_wait(self):
        steer, speed = self.actions.decode(self._actions)
        res = self.sim.step(steer, speed)
        rewards = self.reward(res.params)
        self.total_steps += self.num_envs
        self.ep_reward += rewards
        dones = res.status != ""
        obs = self.observation(self.sim)
        infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        done_cars = np.flatnonzero(dones)
        for i in done_cars:
            infos[i] = {"terminal_observation": obs[i], "TimeLimit.truncated": res.status[i] == "time_up",
                        "status": res.status[i], "progress": float(res.progress[i])}
            self.history.append({"episode": len(self.history) + 1, "car": int(i), "timestep": self.total_steps,
                                 "seconds": time.monotonic() - self.started, "status": res.status[i],
                                 "progress": float(res.progress[i]), "reward": float(self.ep_reward[i]),
                                 "steps": int(self.sim.steps[i]),
                                 "start": float(self.sim.start_ndist[i])})
        if len(done_cars):
            self.episodes[done_cars] += 1
            self.ep_reward[done_cars] = 0
            self.sim.reset(done_cars, self._starts(done_cars))
            obs = self.observation(self.sim)
        return obs, rewards.astype(np.float32), dones, infos

    def close(self) -> None:
        self.reward.close()

    # The rest of the VecEnv interface: one simulator, no wrapped sub-environments.
    def get_attr(self, attr_name: str, indices=None) -> list[Any]:
        return [getattr(self, attr_name)] * len(self._indices(indices))

    def set_attr(self, attr_name: str, value: Any, indices=None) -> None:
        setattr(self, attr_name, value)

    def env_method(self, method_name: str, *args, indices=None, **kwargs) -> list[Any]:
        return [getattr(self, method_name)(*args, **kwargs) for _ in self._indices(indices)]

    def env_is_wrapped(self, wrapper_class, indices=None) -> list[bool]:
        return [False] * len(self._indices(indices))

    def _indices(self, indices) -> list[int]:
        if indices is None:
            return list(range(self.num_envs))
        return [indices] if isinstance(indices, int) else list(indices)


class PracticeTrackEnv(gym.Env):
    """One car on one track as a Gymnasium environment (the same simulator, observation and rules)."""

    metadata = {"render_modes": []}

    def __init__(self, track: Track, reward: RewardLike, actions: DiscreteActions | ContinuousActions | None = None,
                 observation: TrackAhead | None = None, max_steps: int | None = None, round_robin: bool = True):
        self.actions = actions or DiscreteActions.default()
        self.obs_fn = observation or TrackAhead()
        self.sim = Simulator(track, 1, max_steps=max_steps, min_speed=self.actions.min_speed)
        self.reward = Rewards(reward, self.sim.static)
        self.observation_space = self.obs_fn.space()
        self.action_space = action_space(self.actions)
        self.round_robin = round_robin
        self.episodes = 0
        self.last_params: dict[str, Any] = {}

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        if seed is not None:  # a seeded reset starts the round robin again (the same seed, the same episode)
            self.episodes = 0
        start = (ROUND_ROBIN * self.episodes) % 1.0 if self.round_robin else 0.0
        if options and "start" in options:
            start = float(options["start"])
        self.sim.reset(np.array([0]), start)
        self.episodes += 1
        return self.obs_fn(self.sim)[0], {}

    def step(self, action):
        steer, speed = self.actions.decode(np.asarray(action)[None] if np.ndim(action) else np.array([action]))
        res = self.sim.step(steer, speed)
        reward = float(self.reward(res.params)[0])
        status = res.status[0]
        self.last_params = self.sim.full_params(res.params[0])
        info = {"status": status, "progress": float(res.progress[0]), "params": self.last_params}
        return self.obs_fn(self.sim)[0], reward, status not in ("", "time_up"), status == "time_up", info

    def close(self) -> None:
        self.reward.close()
