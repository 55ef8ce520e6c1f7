"""DeepRacer reward functions as untrusted input: the params contract, a validator and a sandboxed runner.

Why shared: a racer's reward function is code somebody else wrote. The practice track (lab 07) runs it at
every simulator step, and the DeepRacer on AWS stand-in's `TestRewardFunction` checks it before a model is
created; both use this module, so a function refused in one place is refused, with the same words,
everywhere.

What `validate()` checks, in the order DeepRacer on AWS's reward-function validator does it (the
`reward-function-validation` Lambda of aws-solutions/deepracer-on-aws parses the code and runs it on sample
params of a track):

1. the text parses as Python (and is at most `MAX_SOURCE_CHARS` long);
2. it defines `reward_function(params)` at the top level, taking one argument;
3. it imports only `ALLOWED_MODULES` (math, random, numpy, scipy, shapely) and uses none of the built-ins
   that reach outside the function (`open`, `eval`, `exec`, `__import__`, ...) nor dunder attributes
   (`().__class__`...), the usual ways out of a restricted namespace;
4. in a separate process, it loads and returns a finite number for every sample `params` dict;
5. all of that within `timeout_s` seconds and `memory_mb` megabytes.

Each failure is one message that names the line and says what to change. The static checks are a first
filter, not the security boundary: the boundary is the process. `RewardSandbox` runs the function in a
child Python process (`python -I -B helpers/reward_function.py --child`, which imports nothing from the
workshop) with `resource.setrlimit` limits set before any user code runs: address space (`memory_mb`),
no file writes (`RLIMIT_FSIZE` 0), optionally CPU seconds; its built-ins are trimmed and its `__import__`
admits only the allowed modules. The parent enforces a wall-clock limit on every call and kills the child
when it is exceeded, so a function that loops forever, allocates without end or crashes the interpreter
costs the notebook one clear exception, never the kernel.

Calls are batched (`RewardSandbox.rewards([params, ...])`: one round trip for all the cars of a
vectorised simulator step), and the parts of `params` that never change in an episode (`waypoints`,
`track_length`) are sent once (`static=`) and merged in the child, so the process boundary costs tens of
microseconds per car, not milliseconds.
"""
from __future__ import annotations

import ast
import math
import os
import pickle
import select
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

#: The modules a reward function may import (and their submodules), as on DeepRacer.
ALLOWED_MODULES = ("math", "random", "numpy", "scipy", "shapely")
#: Built-ins a reward function may not name: they read or write files, run other code, or reach the
#: interpreter's internals.
FORBIDDEN_NAMES = ("open", "exec", "eval", "compile", "__import__", "input", "breakpoint", "globals", "locals",
                   "vars", "getattr", "setattr", "delattr", "exit", "quit", "help", "memoryview", "__builtins__",
                   "__loader__", "__spec__")
MAX_SOURCE_CHARS = 64_000
DEFAULT_TIMEOUT_S = 5.0
DEFAULT_MEMORY_MB = 1024
_CHILD_FILENAME = "<reward_function>"

#: The reward function's `params`: every key the DeepRacer simulator passes, and its Python type
#: (aws-deepracer-community/deepracer-simapp, markov/agent_ctrl/constants.py `RewardParam`; the
#: DeepRacer developer guide's "Input parameters of the AWS DeepRacer reward function"). Units: metres,
#: metres per second, degrees; `progress` is 0-100; waypoint indices count from 0.
PARAM_TYPES: dict[str, type] = {
    "all_wheels_on_track": bool,      # all four wheels on the track (between the borders)
    "x": float, "y": float,           # the car's position (the front of the car), m
    "heading": float,                 # yaw, degrees, (-180, 180], 0 = +x axis, counter-clockwise positive
    "distance_from_center": float,    # m, >= 0
    "projection_distance": float,     # the car's position projected on the centre line, m from waypoint 0
    "progress": float,                # % of the lap done since the start of the episode, 0-100
    "steps": int,                     # steps done in this episode (15 per second)
    "speed": float,                   # the action's speed, m/s
    "steering_angle": float,          # the action's steering angle, degrees, positive = left
    "track_width": float,             # m, at the car's position
    "track_length": float,            # m, the centre line's length
    "waypoints": list,                # [(x, y), ...] along the centre line, in driving order
    "closest_waypoints": list,        # [previous index, next index] around the car
    "is_left_of_center": bool,        # left of the centre line, in the driving direction
    "is_reversed": bool,              # driving the track the other way round
    "is_offtrack": bool,              # all four wheels off the track (the episode ends)
    "is_crashed": bool,               # hit an object (never without objects)
    "sim_time": float,                # simulated seconds since the episode started
    "closest_objects": list,          # [index behind, index ahead] of the nearest objects ([0, 0] without)
    "objects_location": list,         # [(x, y), ...]
    "objects_left_of_center": list,   # [bool, ...]
    "objects_speed": list,            # [float, ...], m/s
    "objects_heading": list,          # [float, ...], degrees
    "objects_distance": list,         # [float, ...], each object's projection on the centre line, m
    "objects_distance_from_center": list,  # [float, ...], m
    "object_in_camera": bool,         # an object is in the camera's view
}
#: Keys whose value never changes during an episode: sent to the sandbox once.
STATIC_KEYS = ("waypoints", "track_length")


class RewardFunctionError(RuntimeError):
    """The reward function failed while running (timeout, memory, exception, bad return value, crash)."""

    def __init__(self, message: str, kind: str = "exception"):
        super().__init__(message)
        self.kind = kind


@dataclass
class ValidationResult:
    """What `validate()` found: `ok`, one clear message per problem, and the rewards on the sample params."""
    ok: bool
    errors: list[str] = field(default_factory=list)
    reward: float | None = None        # the reward on the first sample params
    rewards: list[float] = field(default_factory=list)
    output: str = ""                   # what the function printed (truncated)
    seconds: float = 0.0

    def __bool__(self) -> bool:
        return self.ok

    def message(self) -> str:
        """One line for a notebook: "valid ..." or the errors."""
        if self.ok:
            return (f"valid: reward_function(params) returned {self.reward:.4g} on the first of "
                    f"{len(self.rewards)} sample params (all finite numbers) in {self.seconds:.2f} s")
        return "not valid:\n" + "\n".join(f"  - {e}" for e in self.errors)


# ---------------------------------------------------------------------------------------------- static checks

def check_source(source: str) -> list[str]:
    """The problems a reader finds without running the code (parse, signature, imports, forbidden names)."""
    if not isinstance(source, str) or not source.strip():
        return ["the reward function is empty: write `def reward_function(params): ... return float(reward)`"]
    if len(source) > MAX_SOURCE_CHARS:
        return [f"the reward function is {len(source):,} characters long; the limit is {MAX_SOURCE_CHARS:,}"]
    try:
        tree = ast.parse(source, filename=_CHILD_FILENAME)
    except SyntaxError as exc:
        return [f"line {exc.lineno}: syntax error: {exc.msg} (the code must be valid Python 3)"]
    errors = []
    defs = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
            and n.name == "reward_function"]
    if not defs:
        errors.append("no function `reward_function(params)` is defined at the top level "
                      "(DeepRacer calls exactly that name)")
    else:
        fn = defs[-1]
        args = fn.args
        required = len(args.posonlyargs) + len(args.args) - len(args.defaults)
        if isinstance(fn, ast.AsyncFunctionDef):
            errors.append(f"line {fn.lineno}: reward_function must be a plain `def`, not `async def`")
        elif required != 1 or args.kwonlyargs and any(d is None for d in args.kw_defaults):
            errors.append(f"line {fn.lineno}: reward_function must take exactly one argument, `params` "
                          f"(it takes {required} required)")
    allowed = ", ".join(ALLOWED_MODULES)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] not in ALLOWED_MODULES:
                    errors.append(f"line {node.lineno}: import of '{alias.name}' is not allowed; "
                                  f"reward functions may import only {allowed}")
        elif isinstance(node, ast.ImportFrom):
            if node.level or not node.module or node.module.split(".")[0] not in ALLOWED_MODULES:
                errors.append(f"line {node.lineno}: import from '{'.' * node.level}{node.module or ''}' is not "
                              f"allowed; reward functions may import only {allowed}")
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            errors.append(f"line {node.lineno}: '{node.id}' is not allowed in a reward function "
                          "(it reaches outside the function: files, other code or the interpreter)")
        elif isinstance(node, ast.Attribute) and node.attr.startswith("__") and node.attr.endswith("__"):
            errors.append(f"line {node.lineno}: access to '{node.attr}' is not allowed in a reward function")
    return errors


# ---------------------------------------------------------------------------------------------- sample params

def sample_params() -> list[dict[str, Any]]:
    """Sample `params` on a small oval track (pure Python): on the centre line, near the left border, off
    the track, driving the other way. What `validate()` calls the function with when given no samples."""
    n, a, b = 60, 4.0, 2.5  # an ellipse, 60 waypoints, about 21 m around
    waypoints = [(round(a * math.cos(2 * math.pi * i / n), 4), round(b * math.sin(2 * math.pi * i / n), 4))
                 for i in range(n)]
    waypoints.append(waypoints[0])
    length = sum(math.dist(waypoints[i], waypoints[i + 1]) for i in range(n))
    width = 1.0668

    def state(i: int, offset: float, heading_extra: float = 0.0, speed: float = 1.0, steer: float = 0.0,
              reversed_: bool = False, steps: int = 10) -> dict[str, Any]:
        (x0, y0), (x1, y1) = waypoints[i], waypoints[i + 1]
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2
        hx, hy = x1 - x0, y1 - y0
        norm = math.hypot(hx, hy)
        lx, ly = -hy / norm, hx / norm  # left of the driving direction
        x, y = mx + lx * offset, my + ly * offset
        heading = math.degrees(math.atan2(hy, hx)) + heading_extra
        heading = (heading + 180.0) % 360.0 - 180.0
        on = abs(offset) + 0.08 < width / 2
        off = abs(offset) - 0.08 > width / 2
        done = (i + 0.5) / n
        return {
            "all_wheels_on_track": on, "x": x, "y": y, "heading": heading,
            "distance_from_center": abs(offset), "projection_distance": done * length,
            "progress": 100.0 * (1.0 - done if reversed_ else done), "steps": steps, "speed": speed,
            "steering_angle": steer, "track_width": width, "track_length": length,
            "waypoints": waypoints, "closest_waypoints": [i + 1, i] if reversed_ else [i, i + 1],
            "is_left_of_center": offset > 0, "is_reversed": reversed_, "is_offtrack": off, "is_crashed": False,
            "sim_time": steps / 15.0, "closest_objects": [0, 0], "objects_location": [],
            "objects_left_of_center": [], "objects_speed": [], "objects_heading": [], "objects_distance": [],
            "objects_distance_from_center": [], "object_in_camera": False,
        }

    return [state(3, 0.0, steps=1), state(15, 0.3, 10.0, 0.5, 15.0, steps=40),
            state(30, -0.62, -20.0, 1.0, -30.0, steps=90), state(45, 0.1, 180.0, 0.5, 0.0, True, steps=120)]


# ---------------------------------------------------------------------------------------------- the sandbox

_HEADER = struct.Struct(">Q")


def _write_frame(stream, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read_exact_blocking(stream, n: int) -> bytes | None:
    chunks, got = [], 0
    while got < n:
        chunk = stream.read(n - got)
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


class RewardSandbox:
    """A reward function running in a child process with time and memory limits.

    `rewards(batch)` returns one float per params dict, or raises `RewardFunctionError` (and the child is
    gone: make a new sandbox to go on). Use it as a context manager, or call `close()`."""

    def __init__(self, source: str, *, static: Mapping[str, Any] | None = None, call_timeout_s: float = 1.0,
                 memory_mb: int = DEFAULT_MEMORY_MB, load_timeout_s: float = 10.0, start_timeout_s: float = 30.0,
                 cpu_limit_s: int | None = None):
        self.call_timeout_s = call_timeout_s
        self.memory_mb = memory_mb
        self.calls = 0
        self.output = ""
        from helpers.config import ENV_PREFIX

        env = {k: v for k, v in os.environ.items() if not k.startswith((ENV_PREFIX, "AWS_"))}
        env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        cmd = [sys.executable, "-I", "-B", str(Path(__file__).resolve()), "--child", str(int(memory_mb)),
               str(int(cpu_limit_s or 0))]
        self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL, env=env, cwd="/", close_fds=True)
        self._fd = self._proc.stdout.fileno()
        self._buf = b""
        # The interpreter's own start-up is not the function's time: wait for the child's "ready" (sent once
        # its limits are set), then give the function `load_timeout_s` to load (its imports included).
        self._last_limit = start_timeout_s
        self._read_frame(time.monotonic() + start_timeout_s, what="starting")
        began = time.monotonic()
        self._request(("load", source, dict(static or {})), load_timeout_s, what="loading")
        self.load_seconds = time.monotonic() - began

    # -- protocol
    def _read_frame(self, deadline: float, what: str) -> Any:
        need = None
        while True:
            if need is None and len(self._buf) >= _HEADER.size:
                need = _HEADER.unpack(self._buf[:_HEADER.size])[0]
            if need is not None and len(self._buf) >= _HEADER.size + need:
                data = self._buf[_HEADER.size:_HEADER.size + need]
                self._buf = self._buf[_HEADER.size + need:]
                return pickle.loads(data)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._kill()
                raise RewardFunctionError(f"the reward function did not finish {what} within "
                                          f"{self._last_limit:.3g} s (an endless loop, or too much work "
                                          "per step?); it was stopped", kind="timeout")
            ready, _, _ = select.select([self._fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self._fd, 1 << 20)
            if not chunk:
                code = self._proc.wait(timeout=5)
                self._proc = None
                raise RewardFunctionError(self._death(code), kind="memory" if code in (-9, -6) else "crash")
            self._buf += chunk

    def _request(self, message: tuple, timeout_s: float, what: str) -> Any:
        if self._proc is None:
            raise RewardFunctionError("the reward function's process has stopped; make a new sandbox", "closed")
        self._last_limit = timeout_s
        try:
            _write_frame(self._proc.stdin, message)
        except (BrokenPipeError, OSError):
            code = self._proc.wait(timeout=5)
            self._proc = None
            raise RewardFunctionError(self._death(code), kind="crash") from None
        reply = self._read_frame(time.monotonic() + timeout_s, what)
        status, payload, output = reply
        self.output = output
        if status != "ok":
            kind, text = payload
            self._kill()
            raise RewardFunctionError(text, kind=kind)
        return payload

    def _death(self, code: int | None) -> str:
        if code is not None and code < 0:
            import signal

            name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
            if name in ("SIGXCPU",):
                return "the reward function used up its CPU time limit and was stopped"
            return (f"the reward function's process was killed by {name} (it may have run out of its "
                    f"{self.memory_mb} MB memory limit, or crashed the interpreter)")
        return f"the reward function's process ended unexpectedly (exit code {code})"

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            try:
                self._proc.wait(timeout=5)
            finally:
                self._proc = None

    # -- public
    def rewards(self, batch: Sequence[Mapping[str, Any]], timeout_s: float | None = None) -> list[float]:
        """The reward of each params dict (static keys may be left out: the child adds them)."""
        limit = (timeout_s or self.call_timeout_s) * max(1, len(batch)) ** 0.5
        out = self._request(("call", list(batch)), limit, what="a step")
        self.calls += len(batch)
        return out

    def __call__(self, params: Mapping[str, Any]) -> float:
        return self.rewards([params])[0]

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def close(self) -> None:
        if self._proc is not None:
            try:
                _write_frame(self._proc.stdin, ("exit",))
                self._proc.stdin.close()
                self._proc.wait(timeout=2)
            except Exception:
                pass
            finally:
                self._kill() if self._proc is not None and self._proc.poll() is None else None
                self._proc = None

    def __enter__(self) -> "RewardSandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self._kill()
        except Exception:
            pass


# ---------------------------------------------------------------------------------------------- validate

def validate(source: str, *, samples: Sequence[Mapping[str, Any]] | None = None,
             timeout_s: float = DEFAULT_TIMEOUT_S, memory_mb: int = DEFAULT_MEMORY_MB) -> ValidationResult:
    """Check a reward function the way DeepRacer on AWS's TestRewardFunction does, without trusting it.

    `samples` are the params dicts to call it with (default: `sample_params()`); `timeout_s` bounds the
    function's own time, loading (its imports included) plus every call, not the child interpreter's
    start-up; `memory_mb` bounds the child's address space. Never raises for a bad function: every problem
    is a message in `errors`."""
    start = time.monotonic()
    errors = check_source(source)
    if errors:
        return ValidationResult(False, errors, seconds=time.monotonic() - start)
    samples = list(samples) if samples is not None else sample_params()
    rewards: list[float] = []
    output = ""
    sandbox = None
    try:
        sandbox = RewardSandbox(source, call_timeout_s=timeout_s, memory_mb=memory_mb, load_timeout_s=timeout_s,
                                cpu_limit_s=int(math.ceil(timeout_s)) + 5)
        # the limit is on the function's own time (loading and calls), not on the interpreter's start-up
        used = sandbox.load_seconds
        for i, params in enumerate(samples, 1):
            began = time.monotonic()
            try:
                value = sandbox.rewards([params], timeout_s=max(timeout_s - used, 0.05))[0]
            except RewardFunctionError as exc:
                output = sandbox.output
                if exc.kind == "timeout":
                    return ValidationResult(False, [f"sample params {i}: the reward function did not finish within "
                                                    f"{timeout_s:g} s (an endless loop?)"], rewards=rewards,
                                            output=output, seconds=time.monotonic() - start)
                return ValidationResult(False, [f"sample params {i}: {exc}"], rewards=rewards, output=output,
                                        seconds=time.monotonic() - start)
            used += time.monotonic() - began
            rewards.append(value)
            output += sandbox.output
    except RewardFunctionError as exc:
        return ValidationResult(False, [f"loading: {exc}"], output=output, seconds=time.monotonic() - start)
    finally:
        if sandbox is not None:
            sandbox.close()
    return ValidationResult(True, [], reward=rewards[0] if rewards else None, rewards=rewards,
                            output=output[:2000], seconds=time.monotonic() - start)


# ---------------------------------------------------------------------------------------------- the child

def _child(memory_mb: int, cpu_s: int) -> None:  # pragma: no cover - runs in the child process
    """The child's loop. Limits first, then user code; the protocol runs on a private copy of stdout."""
    import builtins
    import io
    import resource
    import signal
    import traceback

    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if cpu_s > 0:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write to a file then fails with an error, not a kill
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    proto_out = os.fdopen(os.dup(1), "wb")
    proto_in = sys.stdin.buffer
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    captured = io.StringIO()
    sys.stdout = sys.stderr = captured

    real_import = builtins.__import__

    def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
        if level or name.split(".")[0] not in ALLOWED_MODULES:
            raise ImportError(f"import of '{name}' is not allowed; reward functions may import only "
                              f"{', '.join(ALLOWED_MODULES)}")
        return real_import(name, globals, locals, fromlist, level)

    safe = {k: v for k, v in vars(builtins).items() if k not in FORBIDDEN_NAMES}
    safe["__import__"] = guarded_import
    fn = None
    static: dict = {}

    def where(exc: BaseException) -> str:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == _CHILD_FILENAME]
        return f" (line {frames[-1].lineno})" if frames else ""

    def reply(status: str, payload: Any) -> None:
        text = captured.getvalue()
        captured.seek(0)
        captured.truncate()
        _write_frame(proto_out, (status, payload, text[-2000:]))

    reply("ok", "ready")  # limits set, no user code yet: the parent's clocks start now
    while True:
        header = _read_exact_blocking(proto_in, _HEADER.size)
        if header is None:
            return
        message = pickle.loads(_read_exact_blocking(proto_in, _HEADER.unpack(header)[0]))
        if message[0] == "exit":
            return
        if message[0] == "load":
            _, source, static = message
            namespace = {"__builtins__": safe, "__name__": "reward_function"}
            try:
                exec(compile(source, _CHILD_FILENAME, "exec"), namespace)
                fn = namespace.get("reward_function")
                if not callable(fn):
                    raise TypeError("no function `reward_function(params)` is defined")
            except MemoryError:
                reply("error", ("memory", f"loading the reward function exceeded the {memory_mb} MB memory limit"))
                continue
            except BaseException as exc:  # noqa: BLE001 - anything the user's code raises is reported
                reply("error", ("exception", f"loading the reward function raised {type(exc).__name__}: {exc}"
                                             f"{where(exc)}"))
                continue
            reply("ok", None)
            continue
        # ("call", [params, ...])
        out = []
        try:
            for params in message[1]:
                merged = {**static, **params} if static else dict(params)
                value = fn(merged)
                if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
                    raise _BadReturn(f"reward_function returned {type(value).__name__} ({value!r:.40}); it must "
                                     "return a number, e.g. `return float(reward)`")
                number = float(value)
                if not math.isfinite(number):
                    raise _BadReturn(f"reward_function returned {number}; the reward must be a finite number")
                out.append(number)
        except _BadReturn as exc:
            reply("error", ("bad-return", str(exc)))
            continue
        except MemoryError:
            reply("error", ("memory", f"the reward function exceeded the {memory_mb} MB memory limit"))
            continue
        except RecursionError as exc:
            reply("error", ("exception", f"the reward function raised RecursionError: {exc}{where(exc)}"))
            continue
        except BaseException as exc:  # noqa: BLE001
            reply("error", ("exception", f"the reward function raised {type(exc).__name__}: {exc}{where(exc)}"))
            continue
        reply("ok", out)


class _BadReturn(Exception):
    pass


if __name__ == "__main__" and len(sys.argv) >= 2 and sys.argv[1] == "--child":
    _child(int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 0)
