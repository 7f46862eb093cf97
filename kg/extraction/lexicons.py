"""Cue lists shipped with the package (``data/*.tsv``): tab-separated, ``#`` for comments."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Cue:
    pattern: re.Pattern[str]
    weight: float


@dataclass(frozen=True)
class SignalCue:
    kind: str
    category: str
    pattern: re.Pattern[str]
    confidence: float


def _rows(name: str) -> list[list[str]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]


@cache
def service_sentiment_cues() -> tuple[Cue, ...]:
    rows = _rows("service_sentiment.tsv")
    return tuple(Cue(re.compile(pattern, re.IGNORECASE), float(weight)) for pattern, weight in rows)


@cache
def signal_cues() -> tuple[SignalCue, ...]:
    return tuple(SignalCue(kind, category, re.compile(pattern, re.IGNORECASE), float(confidence))
                 for kind, category, pattern, confidence in _rows("signals.tsv"))


@cache
def vader_overrides() -> dict[str, float]:
    return {word: float(valence) for word, valence in _rows("vader_overrides.tsv")}


@cache
def brand_accounts() -> dict[str, str]:
    """Lower-cased handle (no ``@``) → brand name, from ``data/brand_accounts.tsv``."""
    return {handle.strip().lstrip("@").lower(): brand.strip()
            for handle, brand in _rows("brand_accounts.tsv")}


@cache
def brand_names() -> tuple[str, ...]:
    """Brand and company names matched in plain text: the brands of the accounts list and
    ``data/brand_names.tsv``."""
    names = set(brand_accounts().values())
    names.update(row[0].strip() for row in _rows("brand_names.tsv"))
    return tuple(sorted(name for name in names if name))
