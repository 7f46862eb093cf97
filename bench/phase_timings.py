"""Phase timings of the benchmarks, and what they predict for larger corpora.

Each benchmark phase appends one JSON line (phase, corpus size in interactions, seconds, and
whether its work is per interaction of the corpus or a fixed amount such as 1,000 requests) to
the file named by ``KG_BENCH_TIMINGS`` when it is set (``scripts/bench_scale`` sets it).
:func:`estimates` extrapolates each phase to a larger size from the runs measured so far: with
two sizes, by the power law through the two largest, never below linear for per-interaction
work (no phase gets cheaper per interaction as the graph grows) and never below constant for
fixed work; with one size, linearly or as a constant. Sizes below about 10,000 are dominated by
fixed costs (starting processes, building the pipeline), which the linear floor then
overstates. It is a planning figure for choosing what to run, not a measurement.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

HOUR = 3600.0


def record(phase: str, interactions: int, seconds: float, *,
           per_interaction: bool = True) -> None:
    """Append one phase's time, when ``KG_BENCH_TIMINGS`` names a file."""
    target = os.environ.get("KG_BENCH_TIMINGS")
    if not target:
        return
    with Path(target).open("a", encoding="utf-8") as out:
        out.write(json.dumps({"phase": phase, "interactions": interactions,
                              "seconds": round(seconds, 3),
                              "per_interaction": per_interaction}) + "\n")


@dataclass
class Phase:
    per_interaction: bool
    points: dict[int, float]  # corpus size -> seconds


def read(path: Path) -> dict[str, Phase]:
    """Each phase's times by size (the last run of a phase at a size wins)."""
    timings: dict[str, Phase] = {}
    if not path.is_file():
        return timings
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entry = json.loads(line)
            phase = timings.setdefault(entry["phase"],
                                       Phase(bool(entry.get("per_interaction", True)), {}))
            phase.points[int(entry["interactions"])] = float(entry["seconds"])
    return timings


@dataclass(frozen=True)
class Estimate:
    phase: str
    size: int
    seconds: float
    exponent: float
    measured_at: tuple[int, ...]

    @property
    def over_an_hour(self) -> bool:
        return self.seconds > HOUR


def extrapolate(points: dict[int, float], size: int, floor: float = 1.0
                ) -> tuple[float, float]:
    """Seconds at ``size`` and the exponent used, from (size -> seconds) measurements; the
    exponent is never below ``floor`` (1: per-interaction work, 0: a fixed amount)."""
    sizes = sorted(points)
    largest = sizes[-1]
    exponent = floor
    if len(sizes) >= 2:
        smaller = sizes[-2]
        if points[smaller] > 0 and points[largest] > 0:
            exponent = max(floor, math.log(points[largest] / points[smaller])
                           / math.log(largest / smaller))
    return points[largest] * (size / largest) ** exponent, exponent


def estimates(timings: dict[str, Phase], sizes: list[int]) -> list[Estimate]:
    found = []
    for name, phase in sorted(timings.items()):
        for size in sizes:
            if size > max(phase.points):
                seconds, exponent = extrapolate(phase.points, size,
                                                1.0 if phase.per_interaction else 0.0)
                found.append(Estimate(name, size, seconds, exponent,
                                      tuple(sorted(phase.points))))
    return found


def report(path: Path, sizes: list[int]) -> list[str]:
    """Lines for the console: each phase at each larger size, with a warning over an hour."""
    lines = []
    for item in estimates(read(path), sizes):
        warning = "  WARNING: over an hour" if item.over_an_hour else ""
        measured = ", ".join(f"{n:,}" for n in item.measured_at)
        lines.append(f"estimate {item.phase:<44} at {item.size:>9,}: "
                     f"{item.seconds / 60:8.1f} min (from {measured}; exponent "
                     f"{item.exponent:.2f}){warning}")
    return lines
