"""Make the practice tracks of lab 07 (data/tracks/*.csv): closed DeepRacer-like tracks the project owns.

Why our own tracks: the official route files belong to the DeepRacer simulator and the kit does not ship
them; racers can still drive a real event's track by giving the lab its route file (`.npy` or CSV). These
tracks are written to look like the official ones: 0.6-1.3 m wide, 17-35 m around, long straights, sweepers,
hairpins and chicanes, waypoints every 10-20 cm, counter-clockwise, first waypoint repeated as the last.

How a track is made: a closed polygon of control points (metres, drawn by hand for the named tracks, or
random around a circle for `--random SEED`) is smoothed into a periodic cubic spline (scipy `splprep`),
resampled at an even spacing, and offset by half the width along the normals into the inner and outer
borders. A track is kept only if it passes `check()`: the borders do not fold (every corner's radius is
larger than half the width), the road never touches itself, the car can turn every corner (radius above
its 0.29 m minimum at full lock), and its length and width are in the official range.

Output has the official route layout, one row per waypoint (what `labs.practice_track.tracks.load` reads):

    center_x,center_y,inner_x,inner_y,outer_x,outer_y

    python data/make_tracks.py                  # writes data/tracks/<name>.csv for every named track
    python data/make_tracks.py --check          # regenerates in memory, fails if a file differs
    python data/make_tracks.py --random 7 --out /tmp/random7.csv
"""
from __future__ import annotations

import argparse
import io
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.interpolate import splev, splprep
from shapely.geometry import LinearRing, LineString, Polygon

OUT = Path(__file__).resolve().parent / "tracks"
HEADER = "center_x,center_y,inner_x,inner_y,outer_x,outer_y"
MIN_CAR_RADIUS = 0.29  # m: the DeepRacer's turning radius at 30 degrees of lock (wheelbase 0.164 m)
WIDTH_RANGE = (0.6, 1.3)
LENGTH_RANGE = (17.0, 35.0)


@dataclass(frozen=True)
class Design:
    """A named track: control points (m, counter-clockwise), width (m) and waypoint spacing (m)."""
    name: str
    points: tuple[tuple[float, float], ...]
    width: float
    spacing: float = 0.15
    about: str = ""
    scale: float = 1.0


# Hand-drawn control polygons. The spline passes through every point, so a hairpin is three points close
# together and a chicane is a sideways step on a straight.
DESIGNS: tuple[Design, ...] = (
    Design("practice_loop", width=1.07, scale=0.8,
           about="the lab's default: a long straight, a hairpin, a chicane, two sweepers",
           points=((0.0, 0.0), (3.0, 0.0), (6.0, 0.0), (8.2, 0.5), (9.0, 2.0), (8.3, 3.4), (7.0, 3.6),
                   (6.0, 2.9), (5.0, 2.3), (4.0, 2.9), (3.6, 4.2), (3.0, 5.2), (1.6, 5.3), (0.2, 4.8),
                   (-0.6, 4.0), (-1.4, 3.0), (-2.6, 2.6), (-3.2, 1.5), (-2.4, 0.3))),
    Design("hairpin_sprint", width=0.76, about="narrow like re:Invent 2018's track, with two hairpins",
           points=((0.0, 0.0), (2.5, 0.0), (5.0, 0.2), (6.2, 0.9), (6.3, 2.0), (5.4, 2.5), (4.0, 2.2),
                   (2.8, 2.3), (2.5, 3.2), (3.4, 3.9), (4.4, 4.6), (4.0, 5.6), (2.6, 5.8), (1.0, 5.4),
                   (-0.4, 4.6), (-1.4, 3.4), (-1.6, 1.8), (-1.1, 0.5))),
    Design("chicane_circuit", width=0.9, spacing=0.18, about="long and fast, chicanes on both straights",
           points=((0.0, 0.0), (2.5, 0.0), (3.5, 0.5), (4.5, 0.0), (7.0, 0.0), (9.0, 0.4), (10.0, 1.8),
                   (9.6, 3.3), (8.2, 4.0), (6.0, 4.0), (5.0, 4.6), (4.0, 4.0), (1.5, 4.0), (-0.5, 3.7),
                   (-1.5, 2.2), (-1.2, 0.7))),
)


def centre_line(points: np.ndarray, spacing: float) -> np.ndarray:
    """A periodic cubic spline through the control points, resampled every `spacing` metres (closed)."""
    pts = np.asarray(points, dtype=float)
    tck, _ = splprep([pts[:, 0], pts[:, 1]], s=0.0, per=1, k=3)
    dense = np.stack(splev(np.linspace(0.0, 1.0, 4000), tck), axis=1)
    cum = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(dense, axis=0), axis=1))])
    n = max(int(round(cum[-1] / spacing)), 8)
    targets = np.linspace(0.0, cum[-1], n + 1)[:-1]
    centre = np.stack([np.interp(targets, cum, dense[:, 0]), np.interp(targets, cum, dense[:, 1])], axis=1)
    if _signed_area(centre) < 0:  # counter-clockwise, like the official tracks
        centre = centre[::-1]
    return np.vstack([centre, centre[:1]])


def borders(centre: np.ndarray, width: float) -> tuple[np.ndarray, np.ndarray]:
    """Inner (left of a counter-clockwise track) and outer borders, half the width from the centre line."""
    pts = centre[:-1]
    tangent = np.roll(pts, -1, axis=0) - np.roll(pts, 1, axis=0)
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    left = np.stack([-tangent[:, 1], tangent[:, 0]], axis=1)
    inner, outer = pts + left * width / 2, pts - left * width / 2
    return np.vstack([inner, inner[:1]]), np.vstack([outer, outer[:1]])


def build(design: Design) -> np.ndarray:
    """The route array (N, 6) of a design, checked."""
    centre = centre_line(np.array(design.points) * design.scale, design.spacing)
    inner, outer = borders(centre, design.width)
    route = np.hstack([centre, inner, outer])
    problems = check(route)
    if problems:
        raise ValueError(f"track {design.name}: " + "; ".join(problems))
    return route


def random_design(seed: int, width: float | None = None) -> Design:
    """A random closed track: control points at jittered radii around a circle (kept if it passes check)."""
    rng = np.random.default_rng(seed)
    for _ in range(500):
        n = int(rng.integers(9, 15))
        angles = np.sort(rng.uniform(0, 2 * math.pi, n))
        radius = rng.uniform(2.0, 5.0) * rng.uniform(0.55, 1.0, n)
        stretch = rng.uniform(1.0, 1.8)
        pts = np.stack([stretch * radius * np.cos(angles), radius * np.sin(angles)], axis=1)
        w = float(width if width is not None else round(rng.uniform(*WIDTH_RANGE), 2))
        design = Design(f"random_{seed}", tuple(map(tuple, pts.round(3))), w)
        try:
            build(design)
        except ValueError:
            continue
        return design
    raise ValueError(f"no valid random track for seed {seed}")


def curvature_radius(centre: np.ndarray) -> np.ndarray:
    """Radius of the circle through each waypoint and its two neighbours (m; inf on a straight)."""
    p = centre[:-1]
    a, b, c = np.roll(p, 1, axis=0), p, np.roll(p, -1, axis=0)
    ab, bc, ca = (np.linalg.norm(b - a, axis=1), np.linalg.norm(c - b, axis=1), np.linalg.norm(a - c, axis=1))
    cross = np.abs((b - a)[:, 0] * (c - a)[:, 1] - (b - a)[:, 1] * (c - a)[:, 0])
    out = np.full(len(p), np.inf)
    np.divide(ab * bc * ca, 2 * cross, out=out, where=cross > 1e-12)
    return out


def check(route: np.ndarray) -> list[str]:
    """Everything wrong with a route (empty when it is a drivable, official-like closed track)."""
    centre, inner, outer = route[:, 0:2], route[:, 2:4], route[:, 4:6]
    problems = []
    if not np.allclose(centre[0], centre[-1]):
        problems.append("not closed (the first waypoint must be repeated as the last)")
    width = np.linalg.norm(inner - outer, axis=1)
    length = float(np.linalg.norm(np.diff(centre, axis=0), axis=1).sum())
    if not (WIDTH_RANGE[0] <= width.mean() <= WIDTH_RANGE[1]):
        problems.append(f"mean width {width.mean():.2f} m outside {WIDTH_RANGE}")
    if not (LENGTH_RANGE[0] <= length <= LENGTH_RANGE[1]):
        problems.append(f"length {length:.1f} m outside {LENGTH_RANGE}")
    radius = curvature_radius(centre)
    if radius.min() <= max(width.max() / 2 + 0.02, MIN_CAR_RADIUS + 0.05):
        problems.append(f"a corner of radius {radius.min():.2f} m is too tight for width {width.max():.2f} m "
                        "or for the car")
    for name, ring in (("inner", inner), ("outer", outer)):
        if not LinearRing(ring[:-1]).is_simple:
            problems.append(f"the {name} border crosses itself")
    road = Polygon(outer[:-1], [inner[:-1]])
    if not road.is_valid:
        problems.append("the road polygon is not valid (borders touch)")
    # The road must not come back on itself: far-apart parts of the centre line stay a width apart.
    pts, n = centre[:-1], len(centre) - 1
    cum = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(centre, axis=0), axis=1))])[:-1]
    gap = np.abs(cum[:, None] - cum[None, :])
    gap = np.minimum(gap, length - gap)
    far = gap > 2.5 * width.max()
    dist = np.linalg.norm(pts[:, None, :] - pts[None, :, :], axis=2)
    if n and far.any() and dist[far].min() < width.max() + 0.25:
        problems.append(f"two parts of the road come within {dist[far].min():.2f} m of each other")
    return problems


def turns(route: np.ndarray, window: float = 3.0) -> dict[str, int]:
    """Hairpins (the heading turns >= 150 degrees within `window` metres) and chicanes (a left and a right
    turn of >= 20 degrees each within `window` metres), counted once per place on the track."""
    centre = route[:-1, 0:2]
    step = np.roll(centre, -1, axis=0) - centre
    heading = np.unwrap(np.arctan2(step[:, 1], step[:, 0]))
    turn = np.diff(np.concatenate([heading, heading[:1] + 2 * math.pi]))  # per waypoint, radians
    seg = np.linalg.norm(step, axis=1)
    n, k = len(centre), max(int(round(window / seg.mean())), 2)
    idx = (np.arange(n)[:, None] + np.arange(k)[None, :]) % n
    total = turn[idx].sum(axis=1)
    half = k // 2
    first, second = turn[idx[:, :half]].sum(axis=1), turn[idx[:, half:]].sum(axis=1)
    hairpin = np.abs(total) >= math.radians(150)
    chicane = (first * second < 0) & (np.minimum(np.abs(first), np.abs(second)) >= math.radians(20))

    def places(mask: np.ndarray) -> int:  # runs of consecutive windows, wrapping around
        if mask.all():
            return 1
        return int(np.sum(mask & ~np.roll(mask, 1)))

    return {"hairpins": places(hairpin), "chicanes": places(chicane)}


def figures(route: np.ndarray) -> dict[str, float]:
    """Length, width, the tightest corner, hairpins and chicanes of a route (what data/README.md lists)."""
    centre = route[:, 0:2]
    width = np.linalg.norm(route[:, 2:4] - route[:, 4:6], axis=1)
    return {"waypoints": len(route), "length_m": float(np.linalg.norm(np.diff(centre, axis=0), axis=1).sum()),
            "width_m": float(width.mean()), "min_radius_m": float(curvature_radius(centre).min()),
            **turns(route)}


def to_csv(route: np.ndarray) -> str:
    buf = io.StringIO()
    buf.write(HEADER + "\n")
    for row in route:
        buf.write(",".join(f"{v:.6f}" for v in row) + "\n")
    return buf.getvalue()


def _signed_area(pts: np.ndarray) -> float:
    x, y = pts[:, 0], pts[:, 1]
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="fail if a file in data/tracks differs")
    ap.add_argument("--random", type=int, metavar="SEED", help="write one random track instead")
    ap.add_argument("--width", type=float, help="width of the random track (m)")
    ap.add_argument("--out", type=Path, help="output file (--random) or folder")
    args = ap.parse_args(argv)
    if args.random is not None:
        design = random_design(args.random, args.width)
        route = build(design)
        out = args.out or OUT / f"{design.name}.csv"
        out.write_text(to_csv(route))
        print(f"{out}: {figures(route)}")
        return 0
    folder = args.out or OUT
    folder.mkdir(parents=True, exist_ok=True)
    stale = []
    for design in DESIGNS:
        text = to_csv(build(design))
        path = folder / f"{design.name}.csv"
        if args.check:
            if not path.is_file() or path.read_text() != text:
                stale.append(path.name)
            continue
        path.write_text(text)
        f = figures(build(design))
        print(f"{path.name}: {f['waypoints']} waypoints, {f['length_m']:.2f} m, {f['width_m']:.2f} m wide, "
              f"tightest corner {f['min_radius_m']:.2f} m, {f['hairpins']} hairpins, {f['chicanes']} chicanes")
    if stale:
        print(f"out of date (run python data/make_tracks.py): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
