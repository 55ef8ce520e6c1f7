"""The practice track's claims, measured: simulator speed, and how soon PPO drives a full lap.

1. Simulator steps per second alone (no reward function, no learning): one car, and 8 / 64 cars stepped
   together (the vectorised path), each step computing every car's full `params`.
2. The same with the reward function in its sandbox (one batched call per step for all cars), and as a
   PPO training sees it (environment + sandbox + stable-baselines3).
3. For the "follow the centre line" reward function, time to the first full lap within 5 minutes of PPO
   training, on the project's default track and on the official reinvent_base route (read from
   ../shared/data/deepracer-tracks/ when present): the first training episode that completes a lap, and
   the first moment the policy drives a lap from the start line (checked after every PPO update, 2,048 steps; the
   check's own time is not counted).

    python benchmarks/practice_track.py                 # everything (about 6 minutes on 2 cores)
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


def time_to_lap(track: tracks.Track, seed: int = 7, chunk: int = 2048) -> dict:
    """Train PPO in chunks until the policy drives a lap from the start line, or LIMIT_S of training."""
    import torch
    from stable_baselines3 import PPO

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    vec = PracticeVecEnv(track, examples.FOLLOW_CENTRE_LINE, n_envs=training.N_ENVS, seed=seed)
    model = PPO("MlpPolicy", vec, seed=seed, verbose=0, device="cpu", **training.PPO_SETTINGS)
    trained_s, first_train_lap, first_eval_lap, lap = 0.0, None, None, None
    while trained_s < LIMIT_S and first_eval_lap is None:
        start = time.perf_counter()
        model.learn(total_timesteps=chunk, reset_num_timesteps=False)
        trained_s += time.perf_counter() - start
        if first_train_lap is None:
            laps = [h for h in vec.history if h["status"] == "lap_complete"]
            if laps:  # known to the chunk: the training time at the end of the chunk it happened in
                first_train_lap = {"steps": laps[0]["timestep"], "by_s": round(trained_s, 1)}
        run = training.Training(model, vec.history, vec.total_steps, trained_s, None, vec.actions, vec.observation)
        ev = training.evaluate(run, track, examples.FOLLOW_CENTRE_LINE, laps=1)
        if ev.laps[0]["completion (%)"] >= 100:
            first_eval_lap = {"steps": vec.total_steps, "s": round(trained_s, 1)}
            lap = ev.laps[0]
    steps_per_s = vec.total_steps / trained_s
    vec.close()
    return {"track": track.name, "length_m": round(track.length, 2), "first_training_lap": first_train_lap,
            "first_lap_from_start": first_eval_lap, "that_lap": lap, "training_steps_per_s": round(steps_per_s),
            "within_5_min": first_eval_lap is not None and first_eval_lap["s"] <= LIMIT_S}


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
            print(f"\n'follow the centre line' on {track.name}: {time_to_lap(track)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
