"""Overlap checks between character spans in logarithmic time.

Components test every match of a message against the spans already taken (URLs, emails,
longer concept matches). A scan over all taken spans per match makes a message of many
hashtags, handles or emoji quadratic; these structures keep extraction linear in the text.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable
from itertools import accumulate


class FixedSpans:
    """A fixed set of (start, end) spans, possibly overlapping one another."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self.starts = [start for start, _ in ordered]
        # the furthest end among the spans that start at or before each position
        self.reach = list(accumulate((end for _, end in ordered), max))

    def overlaps(self, start: int, end: int) -> bool:
        """Whether any span shares a character with [start, end)."""
        before = bisect_left(self.starts, end)  # spans starting before `end`
        return before > 0 and self.reach[before - 1] > start

    def covers(self, position: int) -> bool:
        """Whether any span holds the character at ``position``."""
        before = bisect_right(self.starts, position)
        return before > 0 and self.reach[before - 1] > position


class DisjointSpans:
    """Spans added one at a time that never overlap one another."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: dict[int, int] = {}

    def overlapping(self, start: int, end: int) -> tuple[int, int] | None:
        """The kept span sharing a character with [start, end), if any.

        Kept spans are disjoint, so the one starting last before ``end`` also ends last."""
        before = bisect_left(self.starts, end)
        if before == 0:
            return None
        kept_start = self.starts[before - 1]
        kept_end = self.ends[kept_start]
        return (kept_start, kept_end) if kept_end > start else None

    def add(self, start: int, end: int) -> None:
        if start not in self.ends:
            insort(self.starts, start)
        self.ends[start] = end
