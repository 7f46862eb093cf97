"""Lexicon evidence the sentiment model reads beside n-grams: VADER and the service cues.

VADER (with the project's overrides) knows general opinion words, emoji and intensifiers;
the service cues (``data/service_sentiment.tsv``) know complaint wording that looks factual
("still waiting", "no response after 3 emails"). Given to the linear model as a few dense
columns, their weight is learned with everything else instead of being fixed by hand.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from functools import cache

import numpy as np
from numpy.typing import NDArray
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from kg.extraction.lexicons import service_sentiment_cues, vader_overrides

COLUMNS = ("vader_compound", "vader_positive", "vader_negative", "service_cues")
SCALE = 4.0  # comparable in size to the strongest n-gram weights after length scaling


@cache
def _analyzer() -> SentimentIntensityAnalyzer:
    analyzer = SentimentIntensityAnalyzer()
    analyzer.lexicon.update(vader_overrides())
    return analyzer


WINDOW_WORDS = 200  # VADER's work grows faster than linearly with its input's length


def _vader(plain: str) -> dict[str, float]:
    """VADER's scores; a long text is scored in windows of words, weighted by their size, so
    the work stays linear in the text."""
    words = plain.split()
    if len(words) <= WINDOW_WORDS:
        return dict(_analyzer().polarity_scores(plain))
    totals = {"compound": 0.0, "pos": 0.0, "neg": 0.0}
    for start in range(0, len(words), WINDOW_WORDS):
        window = words[start:start + WINDOW_WORDS]
        scores = _analyzer().polarity_scores(" ".join(window))
        for name in totals:
            totals[name] += float(scores[name]) * len(window)
    return {name: value / len(words) for name, value in totals.items()}


def lexicon_scores(text: str) -> tuple[float, float, float, float]:
    """VADER compound, positive and negative share, and the summed service-cue weights."""
    plain = html.unescape(text)
    scores = _vader(plain)
    cues = sum(cue.weight for cue in service_sentiment_cues() if cue.pattern.search(plain))
    return (float(scores["compound"]), float(scores["pos"]), float(scores["neg"]),
            max(-1.5, float(cues)))


def dense_features(texts: Sequence[str]) -> NDArray[np.float64]:
    """One row of :data:`COLUMNS` per text, scaled for the linear model."""
    if not texts:
        return np.zeros((0, len(COLUMNS)))
    return np.array([lexicon_scores(t) for t in texts], dtype=np.float64) * SCALE


def cue_rows(texts: Sequence[str]) -> NDArray[np.float32]:
    """The lexicon cues as the semantic heads read them: :data:`COLUMNS`, unscaled."""
    return (dense_features(texts) / SCALE).astype(np.float32)
