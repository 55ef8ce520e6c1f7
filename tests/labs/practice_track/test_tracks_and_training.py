"""Tracks (ours and the official ones beside the repository), the environments, and a short training."""
from __future__ import annotations

import importlib.util
import math
import sys

import numpy as np
import pytest

from labs import ROOT
from labs.practice_track import tracks, training
from labs.practice_track.env import PracticeTrackEnv, PracticeVecEnv

OFFICIAL_FIGURES = {  # ../shared/data/deepracer-tracks/README.md: mean width, centre-line length
    "reinvent_base": (0.762, 17.71), "reInvent2019_track": (1.067, 23.12), "2022_summit_speedway": (1.067, 25.17),
    "2022_reinvent_champ_ccw": (0.950, 33.28), "Oval_track": (0.710, 19.55), "Bowtie_track": (0.789, 17.43),
    "caecer_loop": (1.286, 35.09),
}
needs_official = pytest.mark.skipif(not tracks.OFFICIAL.is_dir(), reason="../shared/data/deepracer-tracks absent")

CENTRE = '''
def reward_function(params):
    track_width = params['track_width']
    distance_from_center = params['distance_from_center']
    if distance_from_center <= 0.1 * track_width:
        reward = 1.0
    elif distance_from_center <= 0.25 * track_width:
        reward = 0.5
    elif distance_from_center <= 0.5 * track_width:
        reward = 0.1
    else:
        reward = 1e-3
    return float(reward)
'''


def _make_tracks():
    spec = importlib.util.spec_from_file_location("make_tracks", ROOT / "data" / "make_tracks.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_tracks"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@needs_official
@pytest.mark.parametrize("name", sorted(OFFICIAL_FIGURES))
def test_official_tracks_load_with_their_figures(name):
    track = tracks.official(name)
    width, length = OFFICIAL_FIGURES[name]
    assert track.length == pytest.approx(length, abs=0.01)
    assert track.width.mean() == pytest.approx(width, abs=0.001)
    assert len(track.waypoints) == len(track.center)


@needs_official
def test_an_open_track_is_refused_and_npy_reads_like_csv(tmp_path):
    with pytest.raises(ValueError, match="not closed"):
        tracks.official("Straight_track")
    csv = tracks.OFFICIAL / "reinvent_base.csv"
    route = np.loadtxt(csv, delimiter=",", skiprows=1)
    np.save(tmp_path / "reinvent_base.npy", route)
    a, b = tracks.load(csv), tracks.load(tmp_path / "reinvent_base.npy")
    assert np.array_equal(a.center, b.center) and a.name == b.name == "reinvent_base"


@needs_official
def test_our_geometry_matches_the_official_figures():
    """The simulator's own measures of a real track agree with the published ones."""
    from labs.practice_track.simulator import Geometry

    g = Geometry(tracks.official("reinvent_base"))
    assert g.length == pytest.approx(17.71, abs=0.01) and g.road.is_valid
    k, t, dist, s = g.project(tracks.official("reinvent_base").center[:-1])
    assert np.allclose(dist, 0, atol=1e-9)
    assert np.allclose(s / g.length, g.ndists[:-1], atol=1e-9)


def test_the_generator_is_deterministic_and_its_tracks_look_official():
    mt = _make_tracks()
    assert mt.main(["--check"]) == 0, "data/tracks is out of date: python data/make_tracks.py"
    totals = {"hairpins": 0, "chicanes": 0}
    for name in tracks.available():
        route = np.loadtxt(tracks.DATA / f"{name}.csv", delimiter=",", skiprows=1)
        assert mt.check(route) == [], name
        f = mt.figures(route)
        assert 0.6 <= f["width_m"] <= 1.3 and 17 <= f["length_m"] <= 35, (name, f)
        totals["hairpins"] += f["hairpins"]
        totals["chicanes"] += f["chicanes"]
    assert totals["hairpins"] >= 2 and totals["chicanes"] >= 2
    assert tracks.DEFAULT_TRACK in tracks.available()


def test_random_tracks_pass_the_same_checks():
    mt = _make_tracks()
    for seed in (1, 2):
        route = mt.build(mt.random_design(seed))
        assert mt.check(route) == []
        track = tracks.from_array(route, f"random_{seed}")
        assert math.isclose(track.length, mt.figures(route)["length_m"])


def test_the_gymnasium_environment_passes_gymnasiums_checker():
    from gymnasium.utils.env_checker import check_env

    env = PracticeTrackEnv(tracks.builtin(), lambda params: 1.0 - params["distance_from_center"])
    check_env(env, skip_render_check=True)
    obs, _ = env.reset(options={"start": 0.0})
    obs, reward, terminated, truncated, info = env.step(5)
    assert info["params"]["steps"] == 1 and reward == pytest.approx(1.0 - info["params"]["distance_from_center"])
    env.close()


def test_the_vectorised_environment_runs_the_source_in_its_sandbox():
    vec = PracticeVecEnv(tracks.builtin(), CENTRE, n_envs=4)
    try:
        obs = vec.reset()
        assert obs.shape == (4, vec.observation_space.shape[0])
        rng = np.random.default_rng(0)
        finished = 0
        for _ in range(200):
            obs, rewards, dones, infos = vec.step(rng.integers(0, 10, 4))
            assert all(np.isclose(r, [1.0, 0.5, 0.1, 0.001]).any() for r in rewards)
            for d, info in zip(dones, infos):
                if d:
                    finished += 1
                    assert "terminal_observation" in info and info["status"]
        assert finished == len(vec.history) > 0
        assert vec.reward.sandbox.calls == 800
    finally:
        vec.close()


def test_a_short_training_improves_and_evaluation_reports_three_laps():
    tr = tracks.builtin()
    result = training.train(CENTRE, tr, timesteps=16_384, seed=3, progress_bar=False)
    before, after = result.improvement()
    assert after > before + 10, (before, after)
    ev = training.evaluate(result, tr, CENTRE, laps=3)
    assert 1 <= len(ev.laps) <= 3
    assert set(ev.laps[0]) == {"lap", "completion (%)", "lap time (s)", "off-track"}
    assert len(ev.x) == len(ev.reward) == len(ev.speed) > 0
    assert set(ev.summary()) == {"laps completed", "mean completion (%)", "best lap time (s)", "off-track"}
