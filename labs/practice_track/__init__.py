"""Lab 07: a reward-function practice track, an offline DeepRacer simulator with the real params and real tracks.

A racer writes a reward function, validates it the way DeepRacer on AWS does, trains a car with PPO on this
machine in minutes, watches it drive, compares two functions, and takes the better one to the event.

Modules:
  tracks.py      closed tracks: the project's own (data/tracks, made by data/make_tracks.py) and official
                 route files (`.npy` or CSV, six columns) read from a path the racer gives
  simulator.py   the car (kinematic, the real car's dimensions, 15 steps/s), the DeepRacer action spaces,
                 off-track / lap / reversed rules and the reward function's full `params`, for many cars at once
  env.py         what the car sees (a compact view of the track ahead, swappable), the Gymnasium
                 environment and the vectorised one PPO trains on; the reward function runs in the sandbox
                 of helpers.reward_function
  training.py    PPO (stable-baselines3) with a progress bar, the training history, three-lap evaluation,
                 and the plots (curves, trajectory coloured by speed and by reward)

The validator and the sandbox are shared (helpers/reward_function.py): the DeepRacer on AWS stand-in's
TestRewardFunction uses the same checks.
"""
