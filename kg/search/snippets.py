"""A window of a message around the searched words, with where they are.

Highlights are character offsets into the snippet, never markup: a client marks them up
itself, so a message's text is never sent as HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from kg.search.terms import WORD

SNIPPET_CHARS: Final = 220
LEAD_CHARS: Final = 60  # shown before the first highlighted word


@dataclass(frozen=True)
class Snippet:
    text: str
    highlights: list[tuple[int, int]]


def snippet(text: str, stems: list[str], *, size: int = SNIPPET_CHARS) -> Snippet:
    """The window of ``size`` characters that starts a little before the first word
    beginning with one of ``stems`` (the message's start when none does), cut at word
    boundaries, with an ellipsis where it cuts."""
    hits = [(m.start(), m.end()) for m in WORD.finditer(text)
            if any(m.group().lower().startswith(stem) for stem in stems)]
    start = 0
    if hits and hits[0][1] > size - LEAD_CHARS:
        start = _word_start(text, hits[0][0] - LEAD_CHARS)
    end = min(len(text), start + size)
    if end < len(text):
        end = _word_end(text, end)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - start
    window = [(s + shift, e + shift) for s, e in hits if s >= start and e <= end]
    return Snippet(prefix + text[start:end] + suffix, window)


def _word_start(text: str, position: int) -> int:
    position = max(0, position)
    match = re.compile(r"\s").search(text, position)
    return match.end() if match and match.end() < len(text) else position


def _word_end(text: str, position: int) -> int:
    space = text.rfind(" ", 0, position)
    return space if space > position - 40 and space > 0 else position
