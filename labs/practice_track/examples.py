"""Three classic DeepRacer reward functions, as text (what a racer pastes into DeepRacer on AWS).

Why text: a reward function is untrusted input; it runs only in the sandbox of helpers.reward_function.
These are DeepRacer on AWS's own examples (source/apps/website/src/pages/CreateModel/constants.ts); the
guide explains each, and the benchmark and the tests train with the first.
"""
from __future__ import annotations

FOLLOW_CENTRE_LINE = '''
def reward_function(params):
    track_width = params['track_width']
    distance_from_center = params['distance_from_center']

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
        reward = 1e-3  # likely crashed / close to off track

    return float(reward)
'''

STAY_INSIDE_BORDERS = '''
def reward_function(params):
    all_wheels_on_track = params['all_wheels_on_track']
    distance_from_center = params['distance_from_center']
    track_width = params['track_width']

    reward = 1e-3
    if all_wheels_on_track and (0.5 * track_width - distance_from_center) >= 0.05:
        reward = 1.0
    return float(reward)
'''

NO_ZIG_ZAG = '''
def reward_function(params):
    distance_from_center = params['distance_from_center']
    track_width = params['track_width']
    abs_steering = abs(params['steering_angle'])

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
        reward = 1e-3

    ABS_STEERING_THRESHOLD = 15  # degrees: the default action space steers 0, 15 or 30
    if abs_steering > ABS_STEERING_THRESHOLD:
        reward *= 0.8
    return float(reward)
'''

CLASSICS = {"follow the centre line": FOLLOW_CENTRE_LINE, "stay inside the borders": STAY_INSIDE_BORDERS,
            "no zig-zag": NO_ZIG_ZAG}
