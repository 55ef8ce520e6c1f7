"""Source of notebooks/07_reward_practice_track.ipynb (see helpers.notebooks): edit here, then `make notebooks`."""
from helpers.notebooks import code, md

cells = [
md("""
# 07 · A reward-function practice track

**What you will build.** A DeepRacer car that learns to drive a track on this machine: you write a reward
function, check it the way DeepRacer on AWS does, train the car with PPO (the algorithm DeepRacer uses),
watch it drive three laps, and compare two reward functions on the same seed. The one that drives better is
the one you take to the event. The simulator gives your function the very `params` DeepRacer gives it (the
same keys, units and conventions) and drives on the project's own tracks or on a real event's route file.

**How long:** 15–20 minutes (a few minutes of it training). **What it costs:** nothing: no account, no
AWS resources, no GPU; everything runs on this machine's CPU.
"""),
md("## Parameters"),
code("""
MODE = "auto"        # "local", "aws", or "auto"; this lab runs the same in both (it creates no AWS resources)
PROFILE = "auto"     # "quick" (a short training, as CI), "full", or "auto": WORKSHOP_PROFILE, else full
EVENT = "summit-cup"
TRACK = "practice_loop"   # one of the project's tracks: practice_loop, hairpin_sprint, chicane_circuit
ROUTE_FILE = ""           # or a real event's route file: a DeepRacer <track>.npy, or CSV with the same six columns
SEED = 7                  # the same seed trains the same car: comparisons are fair
SOLUTION_TRACK = "reInvent2019_track"  # the DeepRacer on AWS track the hand-off checks the function for
RACER = ""                # aws mode: your DeepRacer on AWS user (the invited email); password in DEEPRACER_PASSWORD
""", "parameters"),
code("""
import matplotlib.pyplot as plt

from helpers import get_session, report, reward_function
from labs.practice_track import tracks, training
from labs.practice_track.simulator import DiscreteActions, Simulator

session = get_session(MODE, event=EVENT, profile=PROFILE)
STEPS = training.budget(session.config.quick)
print(f"mode: {session.mode}, profile: {session.config.profile}, training steps per reward function: {STEPS:,}")
"""),
md("""
## 1. The track
A track is three lines of waypoints: the centre line and the inner and outer borders, in driving order, as
the DeepRacer simulator stores them. The project draws its own (`data/make_tracks.py`); to practise on a real
event's track, set `ROUTE_FILE` to its route file.
"""),
code("""
# NBVAL_CHECK_OUTPUT
track = tracks.load(ROUTE_FILE) if ROUTE_FILE else tracks.builtin(TRACK)
print(track.summary())
"""),
code("""
ax = training.plot_track(track)
ax.set_title(f"{track.name}: {track.length:.1f} m, {track.width.mean():.2f} m wide (driving counter-clockwise)");
"""),
md("""
## 2. The car and what it can do
The car is the real one's size (0.164 m between the axles, 1/18 scale) and decides 15 times per simulated
second. At each decision it picks one action from DeepRacer's default discrete action space: five steering
angles (positive is left) times two speeds. A continuous action space is an option
(`labs.practice_track.simulator.ContinuousActions`).
"""),
code("""
# NBVAL_CHECK_OUTPUT
report.table(DiscreteActions.default().table())
"""),
md("""
**What the car sees is not a camera.** The real car learns from camera frames, which takes hours of GPU
time. Here it sees a compact description of the track ahead: ten centre-line points in front of it, in its
own frame, how far it is from the centre line and how wide the road is. Your reward function is what you
practise, and it is the same either way.

## 3. What your reward function receives
At every step the simulator fills the `params` dictionary your function gets, with the keys, units and
conventions of DeepRacer (metres, degrees, progress 0–100, waypoint indices). Here is the car on the start
line, one step after it set off straight at 1 m/s:
"""),
code("""
# NBVAL_CHECK_OUTPUT
sim = Simulator(track)
sim.reset(start_ndist=0.0)
params = sim.full_params(sim.step([0.0], [1.0]).params[0])
for key, value in params.items():
    shown = f"[{len(value)} waypoints: {value[0][0]:.2f}, {value[0][1]:.2f} ...]" if key == "waypoints" else value
    print(f"{key:30s} {type(value).__name__:6s} {shown if not isinstance(shown, float) else round(shown, 4)}")
"""),
md("""
## 4. Write a reward function
The reward function turns `params` into one number: how good this moment is. The car learns to collect as
much reward as it can. This is DeepRacer's classic first function, **follow the centre line**: full reward
near the centre, less and less towards the borders.

It is written as text (a Python string) on purpose: it is code the workshop did not write, so it never runs
inside this notebook. It runs in a separate process with a time and a memory limit
(`helpers/reward_function.py`), so a function that loops forever or eats memory stops with a message
instead of hanging your kernel.
"""),
code('''
FOLLOW_CENTRE = """
def reward_function(params):
    track_width = params['track_width']
    distance_from_center = params['distance_from_center']

    # Three bands, further and further from the centre line
    marker_1 = 0.1 * track_width
    marker_2 = 0.25 * track_width
    marker_3 = 0.5 * track_width

    if distance_from_center <= marker_1:
        reward = 1.0
    elif distance_from_center <= marker_2:
        reward = 0.5
    elif distance_from_center <= marker_3:
        reward = 0.1
    else:
        reward = 1e-3  # likely off the track

    return float(reward)
"""
'''),
md("""
## 5. Validate it, as DeepRacer on AWS does
Before a model is created, DeepRacer on AWS checks the function: it must parse, define
`reward_function(params)`, import only `math`, `random`, `numpy`, `scipy` or `shapely`, and return a finite
number on sample params, in time. The same checks run here, on params from this track:
"""),
code("""
# NBVAL_CHECK_OUTPUT
samples = [params] + reward_function.sample_params()
check = reward_function.validate(FOLLOW_CENTRE, samples=samples)
print(check.message())
"""),
md("Each mistake gets one clear message. Some common ones:"),
code('''
# NBVAL_CHECK_OUTPUT
mistakes = {
    "a typo in a key": "def reward_function(params):\\n    return float(params['distance_from_centre'])\\n",
    "forgot to return": "def reward_function(params):\\n    reward = 1.0\\n",
    "a module DeepRacer refuses": "import os\\ndef reward_function(params):\\n    return 1.0\\n",
    "an endless loop": "def reward_function(params):\\n    while True:\\n        pass\\n",
}
for what, source in mistakes.items():
    result = reward_function.validate(source, timeout_s=1.0)
    print(f"{what}: {result.errors[0]}")
'''),
md("""
## 6. Train
PPO collects experience with 8 cars at once (each episode starts 5% further round the track, as DeepRacer
training does), then improves the policy, again and again. An episode ends when the car leaves the track
(all four wheels off), completes a lap, or drives the wrong way. The bar shows the best progress so far.
"""),
code("""
centre_run = training.train(FOLLOW_CENTRE, track, timesteps=STEPS, seed=SEED,
                            report_to=session.config.progress)
first, last = centre_run.improvement()
print(f"{len(centre_run.history)} episodes in {centre_run.seconds:.0f} s; mean progress {first:.0f}% at the "
      f"start, {last:.0f}% at the end; first full lap: {centre_run.first_lap}")
assert last > first, "training should improve the car's progress"
"""),
code("""
training.plot_curves({"follow the centre line": centre_run});
"""),
md("""
## 7. Evaluate: three laps
The trained car drives three laps in a row from the start line, always taking its best action. As in a
DeepRacer evaluation, leaving the track does not end the run: the car is put back where it left, and the
off-track is counted.
"""),
code("""
centre_eval = training.evaluate(centre_run, track, FOLLOW_CENTRE, laps=3)
report.table(centre_eval.laps)
"""),
code("""
fig, axes = plt.subplots(1, 2, figsize=(13, 4.2))
training.plot_trajectory(track, centre_eval, "speed", axes[0], "follow the centre line: speed")
training.plot_trajectory(track, centre_eval, "reward", axes[1], "follow the centre line: reward")
plt.tight_layout()
"""),
md("""
Read the plots: where is the reward low, and does the car slow down there? Following the centre line earns
the same reward slow or fast, so the car has no reason to hurry.

## 8. A second reward function, side by side
This one still rewards staying central, but multiplies by the speed, and gives almost nothing once a wheel
leaves the track. Same track, same seed, same training budget: only the reward function differs.
"""),
code('''
CENTRE_AND_SPEED = """
def reward_function(params):
    if not params['all_wheels_on_track']:
        return 1e-3

    half_width = 0.5 * params['track_width']
    centred = 1.0 - (params['distance_from_center'] / half_width) ** 2   # 1 on the centre line, 0 at a border

    return float(max(centred, 1e-3) * params['speed'])
"""
'''),
code("""
# NBVAL_CHECK_OUTPUT
print(reward_function.validate(CENTRE_AND_SPEED, samples=samples).message())
"""),
code("""
speed_run = training.train(CENTRE_AND_SPEED, track, timesteps=STEPS, seed=SEED,
                           report_to=session.config.progress)
speed_eval = training.evaluate(speed_run, track, CENTRE_AND_SPEED, laps=3)
training.plot_curves({"follow the centre line": centre_run, "centre and speed": speed_run});
"""),
code("""
runs = {"follow the centre line": (FOLLOW_CENTRE, centre_run, centre_eval),
        "centre and speed": (CENTRE_AND_SPEED, speed_run, speed_eval)}
report.table([{"reward function": name, **ev.summary(), "first lap in training (step)":
               (run.first_lap or {}).get("timestep")} for name, (_, run, ev) in runs.items()])
"""),
code("""
fig, axes = plt.subplots(1, 2, figsize=(13, 4.2))
for ax, (name, (_, _, ev)) in zip(axes, runs.items()):
    training.plot_trajectory(track, ev, "speed", ax, f"{name}: speed")
plt.tight_layout()
"""),
md("""
## 9. Keep the better one
Better means: more laps completed, then further round the track, then the faster lap, then fewer
off-tracks. The rewards of the two functions are not comparable (each has its own scale), which is
why the comparison is on how the car drives.
"""),
code("""
def score(ev):
    s = ev.summary()
    return (int(s["laps completed"].split("/")[0]), s["mean completion (%)"], -(s["best lap time (s)"] or 1e9),
            -s["off-track"])

best_name = max(runs, key=lambda name: score(runs[name][2]))
best_source = runs[best_name][0]
print(f"better on {track.name}: {best_name}")
print(best_source)
"""),
code("""
session.record(track=track.name, training_steps=STEPS, better_reward_function=best_name,
               **{f"{name}: {k}": v for name, (_, _, ev) in runs.items() for k, v in ev.summary().items()})
"""),
md("""
## 10. Take it to DeepRacer on AWS
The event's training runs on DeepRacer on AWS. Before you spend quota there, ask the solution itself:
its `TestRewardFunction` operation (POST /rewardFunction, the check its website runs when you create a
model) answers with a list of errors, empty when the function passes. You sign in as yourself, with the
invitation lab 02 sent. In local mode the notebook signs in as a practice racer of the event's stand-in
deployment (launched on this machine if it is not running yet); in aws mode it uses the organiser's
deployment and creates nothing.
"""),
code("""
from labs.practice_track import handoff

try:
    deployment, racer_api = handoff.connect(session, EVENT, racer=RACER)
    print(f"signed in to DeepRacer on AWS ({deployment.stack_name}) as {RACER or handoff.PRACTICE_RACER}")
except (LookupError, ValueError) as exc:  # aws mode without a deployment or credentials: say what to do
    racer_api = None
    print(f"not checked on the solution: {exc}")
"""),
code("""
# NBVAL_CHECK_OUTPUT
if racer_api is not None:
    print(handoff.check_on_solution(racer_api, best_source, SOLUTION_TRACK).message())
"""),
md("The solution says what is wrong in its own terms (an error type and the line), as the website does:"),
code("""
# NBVAL_CHECK_OUTPUT
if racer_api is not None:
    print(handoff.check_on_solution(racer_api, mistakes["a module DeepRacer refuses"], SOLUTION_TRACK).message())
"""),
md("""
When it passes, create the model in the solution's website (Models → Create model) with this function,
the track the event races on, and the training time your quota allows.

## What you learned
* A reward function sees `params` and returns one number; the car learns to collect as much as it can, so it
  does exactly what you reward, and nothing you did not (the centre-line function drives slowly).
* Check a function before spending training time on it: a typo in a key or a missing `return` costs seconds
  here and an hour of an event's training quota there.
* Compare functions on the same track, seed and budget, by how the car drives, not by their rewards.

This lab created nothing in AWS (in local mode, at most the event's stand-in deployment on this machine,
which lab 99 removes with the rest), so there is nothing to clean up. The guide
(`labs/practice_track/07_reward_practice_track.md`) explains every parameter and three classic functions.
"""),
]
