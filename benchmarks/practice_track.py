"""The practice track's claims, measured: simulator speed, and how soon PPO drives a full lap.

1. Simulator steps per second alone (no reward function, no learning): one car, and 8 / 64 cars stepped
   together (the vectorised path), each step computing every car's full `params`.
2. The same with the reward function in its sandbox (one batched call per step for all cars), and as a
   PPO training sees it (environment + sandbox + stable-baselines3).
3. For the "follow the centre line" reward function, time to the first full lap within 5 minutes of PPO
   training, on the project's default track and on the official reinvent_base route (read from
   ../shared/data/deepracer-tracks/ when present), for three seeds: the first training episode that
   completes a lap, and the first moment the policy's best actions drive a clean lap (no off-track) from
   the start line (both checked after every PPO update, 2,048 steps; the checks' own time is not counted),
   and whether the untrained policy already could (it sometimes can: the view of the track ahead makes
   "steer towards the road" easy to stumble on).

    python benchmarks/practice_track.py                 # everything (a few minutes on 2 cores)
    python benchmarks/practice_track.py --only sim      # the simulator figures alone
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from labs.practice_track import examples, tracks, training  # noqa: E402
from labs.practice_track.env import PracticeVecEnv  # noqa: E402
from labs.practice_track.simulator import DiscreteActions, Simulator  # noqa: E402

LIMIT_S = 300.0


def sim_rate(track: tracks.Track, n: int, seconds: float = 3.0) -> float:
    """Car-steps per second of the simulator alone, random default actions, episodes reset as they end."""
    sim = Simulator(track, n)
    sim.reset(None, np.arange(n) / n)
    rng = np.random.default_rng(0)
    actions = DiscreteActions.default()
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        res = sim.step(*actions.decode(rng.integers(0, 10, n)))
        done = np.flatnonzero(res.status != "")
        sim.reset(done, 0.0)
        steps += n
    return steps / (time.perf_counter() - start)


def env_rate(track: tracks.Track, n: int, seconds: float = 3.0) -> float:
    """Car-steps per second of the vectorised environment with the reward function in its sandbox."""
    vec = PracticeVecEnv(track, examples.FOLLOW_CENTRE_LINE, n_envs=n)
    vec.reset()
    rng = np.random.default_rng(0)
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        vec.step(rng.integers(0, 10, n))
        steps += n
    rate = steps / (time.perf_counter() - start)
    vec.close()
    return rate


def clean_lap(model, vec, track) -> dict | None:
    """One lap from the start line with the policy's best actions; the lap if it had no off-track, else None."""
    run = training.Training(model, vec.history, vec.total_steps, 0.0, None, vec.actions, vec.observation)
    lap = training.evaluate(run, track, examples.FOLLOW_CENTRE_LINE, laps=1).laps[0]
    return lap if lap["completion (%)"] >= 100 and lap["off-track"] == 0 else None


def time_to_lap(track: tracks.Track, seed: int = 7, chunk: int = 2048) -> dict:
    """Train PPO one update (2,048 steps) at a time until (a) a training episode completes a lap (actions
    sampled from the policy, an off-track ends the episode: DeepRacer's "100% progress" in training) and
    (b) the policy's best actions drive a clean lap from the start line (no off-track), or LIMIT_S of
    training. Only training time is counted, not the checks."""
    import torch
    from stable_baselines3 import PPO

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    vec = PracticeVecEnv(track, examples.FOLLOW_CENTRE_LINE, n_envs=training.N_ENVS, seed=seed)
    model = PPO("MlpPolicy", vec, seed=seed, verbose=0, device="cpu", **training.PPO_SETTINGS)
    untrained = clean_lap(model, vec, track) is not None
    trained_s, train_lap, clean = 0.0, None, None
    while trained_s < LIMIT_S and (train_lap is None or clean is None):
        start = time.perf_counter()
        model.learn(total_timesteps=chunk, reset_num_timesteps=False)
        trained_s += time.perf_counter() - start
        if train_lap is None:
            laps = [h for h in vec.history if h["status"] == "lap_complete"]
            if laps:
                train_lap = {"step": laps[0]["timestep"], "by_s": round(trained_s, 1)}
        if clean is None and clean_lap(model, vec, track) is not None:
            clean = {"step": vec.total_steps, "by_s": round(trained_s, 1)}
    steps_per_s = vec.total_steps / trained_s
    vec.close()
    return {"seed": seed, "first training episode with a full lap": train_lap,
            "first clean lap from the start line": clean, "untrained policy already drives one": untrained,
            "training steps/s": round(steps_per_s)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=("sim", "laps"), help="run only one part")
    args = ap.parse_args(argv)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average before {os.getloadavg()[0]:.2f}")
    default = tracks.builtin()
    if args.only in (None, "sim"):
        print(f"\nsimulator alone on {default.name} ({default.length:.1f} m, {len(default.center)} waypoints):")
        for n in (1, 8, 64):
            rate = sim_rate(default, n)
            print(f"  {n:3d} cars stepped together: {rate:9,.0f} car-steps/s ({rate / 15:7,.0f}x real time)")
        print(f"with the reward function in its sandbox (batched), 8 cars: {env_rate(default, 8):,.0f} car-steps/s")
    if args.only in (None, "laps"):
        targets = [default]
        if tracks.OFFICIAL.is_dir():
            targets.append(tracks.official("reinvent_base"))
        else:
            print("(../shared/data/deepracer-tracks absent: reinvent_base skipped)")
        for track in targets:
            print(f"\n'follow the centre line' on {track.name} ({track.length:.2f} m), "
                  f"limit {LIMIT_S:.0f} s of training:")
            for seed in (7, 1, 2):
                print(f"  {time_to_lap(track, seed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
