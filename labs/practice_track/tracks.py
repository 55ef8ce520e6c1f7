"""Closed tracks as the DeepRacer simulator stores them: centre line, inner and outer borders, in driving order.

Why the official layout: a racer who has a real event's route file (`<track>.npy` from the simulator, or
the same six columns as CSV) drives that very track here, and the project's own tracks (data/tracks,
written by data/make_tracks.py) are in the same format, so one loader serves both.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from labs import ROOT

DATA = ROOT / "data" / "tracks"
DEFAULT_TRACK = "practice_loop"
#: Official route files converted to CSV, beside the repository for developers and CI (never shipped).
OFFICIAL = ROOT.parent / "shared" / "data" / "deepracer-tracks"


@dataclass(frozen=True, eq=False)
class Track:
    """A closed track: (N, 2) arrays in metres, the first waypoint repeated as the last."""
    name: str
    center: np.ndarray
    inner: np.ndarray
    outer: np.ndarray
    reversed_: bool = False
    source: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        for name in ("center", "inner", "outer"):
            a = getattr(self, name)
            if a.ndim != 2 or a.shape[1] != 2 or len(a) != len(self.center):
                raise ValueError(f"track {self.name}: {name} must be an (N, 2) array like the centre line")
        if len(self.center) < 4:
            raise ValueError(f"track {self.name}: at least 4 waypoints are needed, got {len(self.center)}")
        if not np.allclose(self.center[0], self.center[-1], atol=1e-6):
            raise ValueError(f"track {self.name} is not closed (its first and last waypoints differ): the "
                             "practice track needs a loop")

    @cached_property
    def width(self) -> np.ndarray:
        """Width at each waypoint (m): the distance between its inner and outer border points."""
        return np.linalg.norm(self.inner - self.outer, axis=1)

    @cached_property
    def length(self) -> float:
        """Length of the centre line (m), what `params['track_length']` reports."""
        return float(np.linalg.norm(np.diff(self.center, axis=0), axis=1).sum())

    @property
    def waypoints(self) -> list[tuple[float, float]]:
        """The centre line as `params['waypoints']` gives it: a list of (x, y) tuples, in driving order."""
        return [(float(x), float(y)) for x, y in self.center]

    def reversed(self) -> "Track":
        """The same track driven the other way round (`params['is_reversed']` is then True)."""
        return Track(self.name, self.center[::-1].copy(), self.inner[::-1].copy(), self.outer[::-1].copy(),
                     not self.reversed_, self.source)

    def summary(self) -> dict[str, object]:
        return {"track": self.name + (" (reversed)" if self.reversed_ else ""), "waypoints": len(self.center),
                "length (m)": round(self.length, 2), "mean width (m)": round(float(self.width.mean()), 3)}


def from_array(route: np.ndarray, name: str, source: str = "") -> Track:
    """A track from a route array of six columns: centre x, y, inner x, y, outer x, y (the simulator's)."""
    route = np.asarray(route, dtype=float)
    if route.ndim != 2 or route.shape[1] != 6:
        raise ValueError(f"{name}: a route has six columns (center_x, center_y, inner_x, inner_y, outer_x, "
                         f"outer_y), got shape {route.shape}")
    return Track(name, route[:, 0:2].copy(), route[:, 2:4].copy(), route[:, 4:6].copy(), source=source)


def load(path: str | Path, name: str | None = None) -> Track:
    """Read a route file: the simulator's `.npy`, or CSV with those six columns (a header line is optional)."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"no route file at {path}")
    if path.suffix == ".npy":
        route = np.load(path, allow_pickle=False)
    else:
        first = path.read_text().splitlines()[0].split(",")[0]
        try:
            float(first)
            skip = 0
        except ValueError:  # a header line
            skip = 1
        route = np.loadtxt(path, delimiter=",", skiprows=skip, ndmin=2)
    return from_array(route, name or path.stem, source=str(path))


def builtin(name: str = DEFAULT_TRACK) -> Track:
    """One of the project's own tracks (data/tracks/<name>.csv)."""
    path = DATA / f"{name}.csv"
    if not path.is_file():
        raise KeyError(f"no track named {name!r}; the project's tracks: {', '.join(available())}")
    return load(path, name)


def available() -> list[str]:
    return sorted(p.stem for p in DATA.glob("*.csv"))


def official(name: str, folder: Path = OFFICIAL) -> Track:
    """An official track from a folder of converted route files (tests and the benchmark use ../shared)."""
    for suffix in (".npy", ".csv"):
        if (folder / f"{name}{suffix}").is_file():
            return load(folder / f"{name}{suffix}", name)
    raise FileNotFoundError(f"no route file for {name!r} in {folder}")
