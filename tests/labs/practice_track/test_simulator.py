"""The practice track's geometry and rules, checked by hand on a circle, and the params contract on every step."""
from __future__ import annotations

import math

import numpy as np
import pytest

from helpers.reward_function import PARAM_TYPES
from labs.practice_track import simulator as simmod
from labs.practice_track import tracks
from labs.practice_track.simulator import DT, FRONT_OFFSET, WHEELBASE, DiscreteActions, Simulator

R, W, N = 3.0, 1.0, 60  # a circle of radius 3 m, 1 m wide, 60 waypoints: every figure below is by hand


def circle(reverse: bool = False) -> tracks.Track:
    a = np.linspace(0, 2 * math.pi, N + 1)
    a[-1] = 0.0
    ring = lambda r: np.stack([r * np.cos(a), r * np.sin(a)], axis=1)  # noqa: E731
    t = tracks.Track("circle", ring(R), ring(R - W / 2), ring(R + W / 2))
    return t.reversed() if reverse else t


def place(sim: Simulator, angle: float, lateral: float = 0.0, heading_offset: float = 0.0):
    """The car's front at `angle` on the circle, `lateral` m towards the inside, facing along the track."""
    r = R - lateral
    front = np.array([r * math.cos(angle), r * math.sin(angle)])
    yaw = angle + math.pi / 2 + heading_offset
    sim.pos[0] = front - FRONT_OFFSET * np.array([math.cos(yaw), math.sin(yaw)])
    sim.yaw[0] = yaw
    sim.prev_progress[0] = max(math.degrees(angle) / 3.6 - 0.5, 0.0)  # as if it came from just behind
    return sim.observe(np.array([0.0]), np.array([1.0]))


def full(sim, res, i=0):
    return sim.full_params(res.params[i])


def test_polygon_length_width_and_waypoints():
    t = circle()
    assert t.length == pytest.approx(2 * N * R * math.sin(math.pi / N))  # 60-gon perimeter, 18.84 m
    assert np.allclose(t.width, W)
    assert len(t.waypoints) == N + 1 and t.waypoints[0] == t.waypoints[-1]


@pytest.mark.parametrize("angle_deg", [10.0, 93.0, 181.5, 359.0])
def test_progress_and_closest_waypoints_by_hand(angle_deg):
    sim = Simulator(circle())
    res = place(sim, math.radians(angle_deg))
    p = full(sim, res)
    assert p["progress"] == pytest.approx(angle_deg / 3.6, abs=0.05)
    k = int(angle_deg // (360 / N))
    assert p["closest_waypoints"] == [k, k + 1]  # index N is the repeated first waypoint, as on DeepRacer
    assert p["distance_from_center"] == pytest.approx(R * (1 - math.cos(math.radians(angle_deg % 6 - 3))), abs=0.01)
    assert p["projection_distance"] == pytest.approx(p["progress"] / 100 * p["track_length"], abs=1e-6)
    assert p["track_width"] == pytest.approx(W)
    assert p["heading"] == pytest.approx(((angle_deg + 90 + 180) % 360) - 180, abs=1e-6)
    assert p["all_wheels_on_track"] and not p["is_offtrack"] and not p["is_reversed"]


def test_left_of_centre_and_wheels():
    sim = Simulator(circle())
    inside = full(sim, place(sim, 1.0, lateral=0.2))
    assert inside["is_left_of_center"] and inside["distance_from_center"] == pytest.approx(0.2, abs=0.01)
    outside = full(sim, place(sim, 1.0, lateral=-0.2))
    assert not outside["is_left_of_center"]
    # the wheels are 0.08 m either side of the car: at 0.45 m off centre some wheels are off, not all
    partly = full(sim, place(sim, 1.0, lateral=0.45))
    assert not partly["all_wheels_on_track"] and not partly["is_offtrack"]
    gone = place(sim, 1.0, lateral=0.7)
    assert gone.params[0]["is_offtrack"] and gone.status[0] == "off_track"


def drive(sim: Simulator, speed: float = 1.0, steps: int = 2000, look: float = 0.5):
    """A pure-pursuit driver along the centre line; yields each step's result."""
    for _ in range(steps):
        target = sim.geom.point_at(sim.s_front + look)
        rel = target - sim.pos
        alpha = np.arctan2(rel[:, 1], rel[:, 0]) - sim.yaw
        steer = np.degrees(np.arctan2(2 * WHEELBASE * np.sin(alpha), look))
        yield sim.step(steer, np.full(sim.n, speed))


def test_a_lap_completes_in_the_time_its_length_takes():
    t = circle()
    sim = Simulator(t)
    sim.reset(None, 0.0)
    progress = []
    for res in drive(sim):
        progress.append(res.progress[0])
        assert res.status[0] in ("", "lap_complete"), res.status[0]
        if res.status[0] == "lap_complete":
            break
    assert progress[-1] == 100.0
    assert np.all(np.diff(progress) > 0)  # forwards all the way
    assert len(progress) * DT == pytest.approx(t.length / 1.0, rel=0.03)


def test_progress_carries_over_the_finish_line_from_a_later_start():
    sim = Simulator(circle())
    sim.reset(None, 0.9)
    last = 0.0
    for res in drive(sim, steps=400):
        assert res.progress[0] >= last
        last = res.progress[0]
        if res.status[0]:
            break
    assert res.status[0] == "lap_complete"


def test_off_track_only_when_all_four_wheels_leave():
    sim = Simulator(circle())
    sim.reset(None, 0.0)
    seen_partly = False
    for _ in range(200):
        res = sim.step(np.array([0.0]), np.array([1.0]))  # straight on: out of the circle
        p = res.params[0]
        seen_partly |= (not p["all_wheels_on_track"]) and not p["is_offtrack"]
        if p["is_offtrack"]:
            break
    assert seen_partly and res.status[0] == "off_track"
    wheels = sim.pos[0] + np.array([[math.cos(sim.yaw[0]), -math.sin(sim.yaw[0])],
                                    [math.sin(sim.yaw[0]), math.cos(sim.yaw[0])]]).dot(simmod.WHEELS.T).T
    assert not sim.geom.on_road(wheels).any()


def test_driving_backwards_ends_the_episode_as_reversed():
    sim = Simulator(circle())
    sim.reset(None, 0.5)
    sim.yaw[0] += math.pi  # turned round
    statuses = [sim.step(np.array([-20.0]), np.array([0.5])).status[0] for _ in range(40)]
    assert "reversed" in statuses and statuses.index("reversed") <= simmod.REVERSED_STEPS + 2


def test_the_reversed_track_is_driven_the_other_way():
    t = circle(reverse=True)
    sim = Simulator(t)
    sim.reset(None, 0.0)
    results = [r for r, _ in zip(drive(sim), range(50))]
    p = sim.full_params(results[-1].params[0])
    assert p["is_reversed"] and p["waypoints"] == [(float(x), float(y)) for x, y in circle().center[::-1]]
    # 50 steps at 1 m/s: 3.3 m of the 18.8 m lap, clockwise now
    assert p["progress"] == pytest.approx(100 * 50 * DT / t.length, abs=2.0)
    assert p["closest_waypoints"][1] == p["closest_waypoints"][0] + 1
    assert math.degrees(math.atan2(p["y"], p["x"])) < 0  # from (3, 0) clockwise: below the x axis


def test_every_key_and_type_on_every_step():
    """The reward function's params contract: every DeepRacer key, with its Python type, on every step."""
    track = tracks.builtin()
    sim = Simulator(track, n=4)
    sim.reset(None, np.array([0.0, 0.25, 0.5, 0.75]))
    rng = np.random.default_rng(0)
    actions = DiscreteActions.default()
    checked, statuses = 0, set()
    for _ in range(300):
        steer, speed = actions.decode(rng.integers(0, 10, 4))
        res = sim.step(steer, speed)
        for i, dynamic in enumerate(res.params):
            p = sim.full_params(dynamic)
            assert set(p) == set(PARAM_TYPES)
            for key, kind in PARAM_TYPES.items():
                assert type(p[key]) is kind, (key, type(p[key]))
            assert 0.0 <= p["progress"] <= 100.0 and -180.0 <= p["heading"] <= 180.0
            prev, nxt = p["closest_waypoints"]
            assert 0 <= prev < len(p["waypoints"]) and 0 <= nxt < len(p["waypoints"])
            assert all(type(w) is tuple and len(w) == 2 and type(w[0]) is float for w in p["waypoints"][:3])
            assert p["sim_time"] == pytest.approx(p["steps"] * DT)
            assert p["speed"] in (0.5, 1.0) and p["steering_angle"] in (-30.0, -15.0, 0.0, 15.0, 30.0)
            assert p["closest_objects"] == [0, 0] and p["objects_location"] == [] and not p["object_in_camera"]
            checked += 1
        done = np.flatnonzero(res.status != "")
        statuses |= set(res.status[done])
        sim.reset(done, 0.0)
    assert checked == 1200 and "off_track" in statuses


def test_default_discrete_action_space_is_the_consoles():
    """DeepRacer on AWS: computeDiscreteActionSpace(30, 5, 1, 2), steering-major."""
    assert DiscreteActions.default().actions == (
        (-30.0, 0.5), (-30.0, 1.0), (-15.0, 0.5), (-15.0, 1.0), (0.0, 0.5), (0.0, 1.0),
        (15.0, 0.5), (15.0, 1.0), (30.0, 0.5), (30.0, 1.0))
    steer, speed = simmod.ContinuousActions().decode(np.array([[-1.0, -1.0], [1.0, 1.0]]))
    assert list(steer) == [-10.0, 10.0] and list(speed) == [1.0, 2.0]


def test_the_car_turns_as_tightly_as_the_real_one():
    """At full lock (30 degrees) the kinematic car's centre circles with radius L / (tan 30 cos beta)."""
    sim = Simulator(tracks.Track("big", *(np.stack([r * np.cos(np.r_[np.linspace(0, 6.28, 80), 0]),
                                                    r * np.sin(np.r_[np.linspace(0, 6.28, 80), 0])], 1)
                                          for r in (20.0, 15.0, 25.0))))
    sim.reset(None, 0.0)
    pts = []
    for _ in range(60):
        sim.step(np.array([30.0]), np.array([0.5]))
        pts.append(sim.pos[0].copy())
    pts = np.array(pts)
    centre = pts.mean(axis=0)
    beta = math.atan(0.5 * math.tan(math.radians(30)))
    expected = WHEELBASE / (math.tan(math.radians(30)) * math.cos(beta))
    assert np.linalg.norm(pts - centre, axis=1).mean() == pytest.approx(expected, rel=0.03)
