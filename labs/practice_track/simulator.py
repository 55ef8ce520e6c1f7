"""The practice track's simulator: DeepRacer cars on a closed track, many at once, in numpy.

What is modelled, and where the numbers come from:

* **The car**: a kinematic bicycle with the real car's geometry (aws-deepracer/aws-deepracer,
  deepracer_description URDF: wheelbase 0.164 m, wheels at +-0.08 m, radius 0.03 m). No tyre slip, no
  inertia: the car moves at the action's speed along the arc its steering angle gives. The position the
  reward function sees (`x`, `y`) is the front of the car, 0.14 m ahead of its centre, as in the DeepRacer
  simulator (`RELATIVE_POSITION_OF_FRONT_OF_CAR`).
* **The control rate**: 15 steps per simulated second (the camera's 15 frames per second).
* **Actions**: the DeepRacer default discrete action space, 5 steering angles x 2 speeds (DeepRacer on
  AWS, `DEFAULT_DISCRETE_ACTION_SPACE = computeDiscreteActionSpace(30, 5, 1, 2)`: -30, -15, 0, 15, 30
  degrees x 0.5, 1.0 m/s, steering-major), or a continuous one (its default ranges are DeepRacer on AWS's
  continuous preset: -10 to 10 degrees, 1 to 2 m/s).
* **The rules** (deepracer-simapp `markov/agent_ctrl`): `all_wheels_on_track` when all four wheel contact
  points are on the road, off-track (the episode ends) when none is; progress is the fraction of the
  centre line covered since the episode's start, 0-100, corrected across the finish line the same way
  (`compute_current_prog`); a lap is complete at 100; driving backwards for a second ends the episode
  ("reversed"); `closest_waypoints` are the waypoints before and after the car along the centre line.

Everything is an array over cars, so one `step()` advances all the cars of a vectorised environment and
one projection finds every car's place on the track (`Geometry.project`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

from labs.practice_track.tracks import Track

RATE_HZ = 15
DT = 1.0 / RATE_HZ
WHEELBASE = 0.164          # m, front to rear axle
FRONT_OFFSET = 0.14        # m, the point x/y report, ahead of the car's centre
#: Wheel contact points in the car's frame (x forward, y left), m.
WHEELS = np.array([[0.0823, 0.0796], [0.0823, -0.0796], [-0.0817, 0.0811], [-0.0817, -0.0811]])
MAX_STEERING = 30.0
REVERSED_STEPS = RATE_HZ   # a second of falling progress ends the episode


@dataclass(frozen=True)
class DiscreteActions:
    """A list of (steering angle in degrees, speed in m/s) pairs; the policy picks an index."""
    actions: tuple[tuple[float, float], ...]

    @classmethod
    def default(cls) -> "DiscreteActions":
        return cls.grid(MAX_STEERING, 5, 1.0, 2)

    @classmethod
    def grid(cls, max_steering: float, steering_levels: int, max_speed: float, speed_levels: int) -> "DiscreteActions":
        """The console's grid: steering evenly from -max to +max, speeds max/levels ... max (steering-major)."""
        out = []
        for i in range(steering_levels):
            t = 0.0 if steering_levels < 2 else i / (steering_levels - 1)
            for j in range(1, speed_levels + 1):
                s = 1.0 if speed_levels < 2 else j / speed_levels
                out.append((round(-max_steering * (1 - t) + max_steering * t, 6), round(max_speed * s, 6)))
        return cls(tuple(out))

    def decode(self, action: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        table = np.asarray(self.actions, dtype=float)
        picked = table[np.asarray(action, dtype=int).reshape(-1)]
        return picked[:, 0], picked[:, 1]

    @property
    def min_speed(self) -> float:
        return min(s for _, s in self.actions)

    def table(self) -> list[dict[str, float]]:
        return [{"index": i, "steering_angle": a, "speed": s} for i, (a, s) in enumerate(self.actions)]


@dataclass(frozen=True)
class ContinuousActions:
    """Steering and speed ranges; the policy outputs two numbers in [-1, 1], mapped linearly onto them."""
    steering: tuple[float, float] = (-10.0, 10.0)
    speed: tuple[float, float] = (1.0, 2.0)

    def decode(self, action: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a = np.clip(np.asarray(action, dtype=float).reshape(-1, 2), -1.0, 1.0)
        lo, hi = self.steering
        steer = lo + (a[:, 0] + 1) / 2 * (hi - lo)
        lo, hi = self.speed
        return np.clip(steer, -MAX_STEERING, MAX_STEERING), lo + (a[:, 1] + 1) / 2 * (hi - lo)

    @property
    def min_speed(self) -> float:
        return self.speed[0]


class Geometry:
    """The track prepared for fast queries: segments of the centre line, cumulative distances, the road."""

    def __init__(self, track: Track):
        self.track = track
        c = track.center
        self.a = c[:-1]
        self.d = c[1:] - c[:-1]
        self.seg = np.linalg.norm(self.d, axis=1)
        self.seg2 = np.maximum(self.seg ** 2, 1e-12)
        self.cum = np.concatenate([[0.0], np.cumsum(self.seg)])
        self.length = float(self.cum[-1])
        self.ndists = self.cum / self.length  # each waypoint's place on the centre line, 0..1
        self.width = track.width
        self.road = shapely.Polygon(track.outer[:-1], [track.inner[:-1]])
        if not self.road.is_valid:
            self.road = shapely.make_valid(self.road)
        shapely.prepare(self.road)

    def project(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """For points (m, 2): the nearest centre-line segment, the fraction along it, the distance, and the
        distance along the centre line from waypoint 0 (vectorised over points and segments)."""
        rel = p[:, None, :] - self.a[None, :, :]
        t = np.clip((rel * self.d[None]).sum(-1) / self.seg2[None], 0.0, 1.0)
        near = self.a[None] + t[..., None] * self.d[None]
        dist2 = ((near - p[:, None, :]) ** 2).sum(-1)
        k = dist2.argmin(axis=1)
        rows = np.arange(len(p))
        tk = t[rows, k]
        return k, tk, np.sqrt(dist2[rows, k]), self.cum[k] + tk * self.seg[k]

    def point_at(self, s: np.ndarray) -> np.ndarray:
        """Centre-line points at distances `s` (any shape, wrapped around the lap)."""
        s = np.mod(s, self.length)
        return np.stack([np.interp(s, self.cum, self.track.center[:, 0]),
                         np.interp(s, self.cum, self.track.center[:, 1])], axis=-1)

    def tangent_at(self, s: np.ndarray) -> np.ndarray:
        k = np.clip(np.searchsorted(self.cum, np.mod(s, self.length), side="right") - 1, 0, len(self.seg) - 1)
        return self.d[k] / self.seg[k, None]

    def on_road(self, p: np.ndarray) -> np.ndarray:
        return shapely.contains_xy(self.road, p[..., 0], p[..., 1])


def compute_progress(current: np.ndarray, prev: np.ndarray) -> np.ndarray:
    """Progress (0-100) from the fraction of the lap since the start, corrected across the finish line
    (forwards and backwards) as the DeepRacer simulator does."""
    p = 100.0 * current
    p = np.where(p <= 0, p + 100.0, p)
    p = np.where(prev > p + 50.0, p + 100.0, p)
    p = np.where(p > prev + 50.0, p - 100.0, p)
    return np.minimum(p, 100.0)


@dataclass
class StepResult:
    """What one step did to each car: the params (dynamic keys), and the episode's status."""
    params: list[dict[str, Any]]
    status: np.ndarray          # "" while driving, else "lap_complete", "off_track", "reversed", "time_up"
    progress: np.ndarray
    speed: np.ndarray
    all_on: np.ndarray
    off: np.ndarray
    front: np.ndarray = field(repr=False)


class Simulator:
    """`n` DeepRacer cars on one track. `reset(cars, start_ndist)` puts cars on the centre line; `step(steer,
    speed)` advances every car by one control step and returns the reward function's params for each."""

    def __init__(self, track: Track, n: int = 1, max_steps: int | None = None, min_speed: float = 0.5):
        self.track = track
        self.geom = Geometry(track)
        self.n = n
        #: an episode may last twice the time the lap takes at the slowest speed
        self.max_steps = max_steps or int(math.ceil(2 * self.geom.length / min_speed * RATE_HZ))
        self.pos = np.zeros((n, 2))
        self.yaw = np.zeros(n)
        self.steps = np.zeros(n, dtype=int)
        self.start_ndist = np.zeros(n)
        self.prev_progress = np.zeros(n)
        self.falling = np.zeros(n, dtype=int)
        self.static = {"waypoints": track.waypoints, "track_length": self.geom.length}
        self.s_front = np.zeros(n)      # where each car's front is along the centre line (m), for observations
        self.lateral = np.zeros(n)      # signed distance of the front from the centre line (m, + = left)
        self.width_here = np.full(n, float(track.width.mean()))

    # ----------------------------------------------------------------------------------------------- reset
    def reset(self, cars: np.ndarray | None = None, start_ndist: np.ndarray | float = 0.0,
              lateral: np.ndarray | float = 0.0) -> None:
        """Put cars on the track at `start_ndist` (0-1 along the centre line), `lateral` m left of the centre
        line, facing along it, their front at that place."""
        cars = np.arange(self.n) if cars is None else np.asarray(cars, dtype=int)
        if len(cars) == 0:
            return
        nd = np.broadcast_to(np.asarray(start_ndist, dtype=float), cars.shape) % 1.0
        s = nd * self.geom.length
        tan = self.geom.tangent_at(s)
        left = np.stack([-tan[:, 1], tan[:, 0]], axis=1)
        front = self.geom.point_at(s) + left * np.broadcast_to(np.asarray(lateral, dtype=float), cars.shape)[:, None]
        self.yaw[cars] = np.arctan2(tan[:, 1], tan[:, 0])
        self.pos[cars] = front - FRONT_OFFSET * tan
        self.steps[cars] = 0
        self.start_ndist[cars] = nd
        self.prev_progress[cars] = 0.0
        self.falling[cars] = 0
        self._locate()

    def _locate(self):
        """Where every car is on the track: front point, nearest segment, distances (stored for observations)."""
        g = self.geom
        cos, sin = np.cos(self.yaw), np.sin(self.yaw)
        front = self.pos + FRONT_OFFSET * np.stack([cos, sin], axis=1)
        k, t, dist, s = g.project(front)
        cross = g.d[k, 0] * (front[:, 1] - g.a[k, 1]) - g.d[k, 1] * (front[:, 0] - g.a[k, 0])
        width = g.width[k] * (1 - t) + g.width[k + 1] * t
        self.s_front, self.lateral, self.width_here = s, np.where(cross > 0, dist, -dist), width
        return cos, sin, front, k, dist, s, cross, width

    # ----------------------------------------------------------------------------------------------- step
    def step(self, steering: np.ndarray, speed: np.ndarray, substeps: int = 2) -> StepResult:
        steering = np.clip(np.asarray(steering, dtype=float), -MAX_STEERING, MAX_STEERING)
        speed = np.asarray(speed, dtype=float)
        delta = np.radians(steering)
        beta = np.arctan(0.5 * np.tan(delta))                 # slip angle at the car's centre
        yaw_rate = speed * np.cos(beta) * np.tan(delta) / WHEELBASE
        h = DT / substeps
        for _ in range(substeps):
            self.pos[:, 0] += speed * np.cos(self.yaw + beta) * h
            self.pos[:, 1] += speed * np.sin(self.yaw + beta) * h
            self.yaw = self.yaw + yaw_rate * h
        self.yaw = (self.yaw + math.pi) % (2 * math.pi) - math.pi
        self.steps += 1
        return self.observe(steering, speed)

    def observe(self, steering: np.ndarray, speed: np.ndarray) -> StepResult:
        """The params and status of every car where it stands (after a step)."""
        g = self.geom
        cos, sin, front, k, dist, s, cross, width = self._locate()
        ndist = s / g.length
        nxt = np.searchsorted(g.ndists, ndist, side="right")
        prev = nxt - 1
        nxt = np.where(nxt >= len(g.ndists), 0, nxt)
        progress = compute_progress(ndist - self.start_ndist, self.prev_progress)
        wheels = self.pos[:, None, :] + np.stack([                    # (n, 4, 2), rotated into the world
            cos[:, None] * WHEELS[None, :, 0] - sin[:, None] * WHEELS[None, :, 1],
            sin[:, None] * WHEELS[None, :, 0] + cos[:, None] * WHEELS[None, :, 1]], axis=-1)
        on = g.on_road(wheels)
        all_on, off = on.all(axis=1), ~on.any(axis=1)
        self.falling = np.where(progress < self.prev_progress - 1e-9, self.falling + 1, 0)
        status = np.full(self.n, "", dtype=object)
        status[self.steps >= self.max_steps] = "time_up"
        status[self.falling >= REVERSED_STEPS] = "reversed"
        status[off] = "off_track"
        status[progress >= 100.0] = "lap_complete"
        heading = np.degrees((self.yaw + math.pi) % (2 * math.pi) - math.pi)
        reversed_ = bool(self.track.reversed_)
        params = []
        for i in range(self.n):
            params.append({
                "all_wheels_on_track": bool(all_on[i]), "x": float(front[i, 0]), "y": float(front[i, 1]),
                "heading": float(heading[i]), "distance_from_center": float(dist[i]),
                "projection_distance": float(s[i]), "progress": float(progress[i]), "steps": int(self.steps[i]),
                "speed": float(speed[i]), "steering_angle": float(steering[i]), "track_width": float(width[i]),
                "closest_waypoints": [int(prev[i]), int(nxt[i])], "is_left_of_center": bool(cross[i] > 0),
                "is_reversed": reversed_, "is_offtrack": bool(off[i]), "is_crashed": False,
                "sim_time": float(self.steps[i] * DT), "closest_objects": [0, 0], "objects_location": [],
                "objects_left_of_center": [], "objects_speed": [], "objects_heading": [], "objects_distance": [],
                "objects_distance_from_center": [], "object_in_camera": False,
            })
        self.prev_progress = progress
        return StepResult(params, status, progress, speed, all_on, off, front)

    def full_params(self, params: dict[str, Any]) -> dict[str, Any]:
        """A dynamic params dict with the static keys (`waypoints`, `track_length`) added."""
        return {**params, **self.static}

    def place_back(self, car: int) -> None:
        """After an off-track in evaluation: back on the centre line where the car left it, facing along it,
        keeping the lap's progress (what a DeepRacer evaluation does after the off-track penalty)."""
        cos, sin = math.cos(self.yaw[car]), math.sin(self.yaw[car])
        front = self.pos[car] + FRONT_OFFSET * np.array([cos, sin])
        _, _, _, s = self.geom.project(front[None])
        tan = self.geom.tangent_at(s)[0]
        self.yaw[car] = math.atan2(tan[1], tan[0])
        self.pos[car] = self.geom.point_at(s)[0] - FRONT_OFFSET * tan
        self.falling[car] = 0
        self._locate()
