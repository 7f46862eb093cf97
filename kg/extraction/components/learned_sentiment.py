"""Message and aspect sentiment from the trained linear model (``trained/sentiment.npz``).

The model reads word and character n-grams plus the lexicon evidence of
:mod:`kg.extraction.service_features` (VADER and the service cues), so rule knowledge and
learned knowledge are weighed together. The message is scored whole; when it has several
clauses (split at sentence ends and contrast words, as in :mod:`.sentiment`), each clause is
scored too, and the message's probabilities are 0.7 its own and 0.3 its clauses', weighed as
the rule layer weighs them (after "but" double, bare "thanks" little: on the dev splits
this matched or beat the whole message alone). A concept or entity mention takes the score
of its clause: aspect sentiment comes from the same model. A batch of docs is scored with one
matrix product.

The score is P(positive) - P(negative), nudged so that its sign band (±0.05, the neutral band
used everywhere in the product) always agrees with the most probable class.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from spacy.language import Language
from spacy.tokens import Doc

from kg.extraction.components.language import is_supported
from kg.extraction.components.sentiment import POLITENESS, THRESHOLD, clause_ranges
from kg.extraction.linear_text_model import LinearTextModel, batches, counts
from kg.extraction.service_features import dense_features
from kg.extraction.trained_models import SENTIMENT_MODEL, load_model

MESSAGE_SHARE = 0.7  # chosen on the dev splits (tweet-sentiment fold 0, GoEmotions dev, real)
MIN_CLAUSE_CHARS = 6
# Up to this many clauses, all are scored and mixed into the message (social posts, short
# emails); a longer text (a complaint narrative, a review) is scored whole, and only its
# clauses holding a concept or entity are scored, for their aspect sentiment.
MAX_MIXED_CLAUSES = 6  # shorter clauses ("ok,") say too little alone: they take the message's


def scores_of(probabilities: NDArray[np.float64], classes: Sequence[str]) -> list[float]:
    """P(pos) - P(neg) per row, kept inside the band of the most probable class."""
    negative, neutral, positive = (classes.index(c) for c in ("negative", "neutral", "positive"))
    band = THRESHOLD - 1e-3
    scores = []
    for row in probabilities:
        raw = float(row[positive] - row[negative])
        best = int(row.argmax())
        if best == neutral:
            raw = max(-band, min(band, raw))
        elif best == positive:
            raw = max(THRESHOLD, raw)
        else:
            raw = min(-THRESHOLD, raw)
        scores.append(round(raw, 4))
    return scores


def score_texts(model: LinearTextModel, texts: Sequence[str],
                hashed_counts: sparse.csr_matrix | None = None) -> list[float]:
    dense = dense_features(texts) if model.dense_features else None
    return scores_of(model.probabilities(texts, dense, hashed_counts), model.classes)


class LearnedSentiment:
    def __init__(self, model: LinearTextModel) -> None:
        self.model = model

    def __call__(self, doc: Doc) -> Doc:
        self._score([doc])
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        for batch in batches(docs, size=batch_size):
            self._score(batch)
            yield from batch

    def _score(self, docs: Sequence[Doc]) -> None:
        texts: list[str] = []
        owners: list[tuple[int, tuple[int, int, float] | None]] = []  # clause: start, end, weight
        for position, doc in enumerate(docs):
            doc._.clauses, doc._.sentiment = [], 0.0
            if not is_supported(doc):
                continue
            text = doc.text  # built from the tokens on every access: read it once
            texts.append(text)
            owners.append((position, None))
            ranges = [(s, e, after) for s, e, after in clause_ranges(doc) if text[s:e].strip()]
            mixed_in = 1 < len(ranges) <= MAX_MIXED_CLAUSES
            if len(ranges) > MAX_MIXED_CLAUSES:  # long narratives: only clauses with aspects
                ranges = clauses_holding(ranges, mention_spans(doc))
            elif len(ranges) == 1:
                ranges = []
            for start, end, after_contrast in ranges:
                texts.append(text[start:end])
                weight = clause_weight(text[start:end], after_contrast) if mixed_in else 0.0
                owners.append((position, (start, end, weight)))
        if not texts:
            return
        probabilities = self._probabilities(docs, texts, owners)
        message: dict[int, NDArray[np.float64]] = {}
        mixed: dict[int, list[tuple[float, NDArray[np.float64]]]] = {}
        for (position, clause), row in zip(owners, probabilities, strict=True):
            if clause is None:
                message[position] = row
            else:
                if clause[2] > 0:
                    mixed.setdefault(position, []).append((clause[2], row))
                doc = docs[position]
                if clause[1] - clause[0] >= MIN_CLAUSE_CHARS:
                    [score] = scores_of(row[None, :], self.model.classes)
                    doc._.clauses.append((clause[0], clause[1], score))
        for position, row in message.items():
            parts = mixed.get(position)
            if parts:  # mostly the whole message, partly its clauses weighed as the rules did
                total = sum(w for w, _ in parts)
                row = MESSAGE_SHARE * row + (1 - MESSAGE_SHARE) * sum(
                    w * r for w, r in parts) / total
            [docs[position]._.sentiment] = scores_of(row[None, :], self.model.classes)

    def _probabilities(self, docs: Sequence[Doc], texts: list[str],
                       owners: list[tuple[int, tuple[int, int, float] | None]]
                       ) -> NDArray[np.float64]:
        hashed = None
        if all(docs[p]._.ngram_counts is not None for p, clause in owners if clause is None):
            # the message rows were hashed by the topic classifier; hash only the clauses
            rows = [docs[p]._.ngram_counts if clause is None else None for p, clause in owners]
            missing = [t for t, row in zip(texts, rows, strict=True) if row is None]
            fresh = iter(counts(missing)) if missing else iter(())
            hashed = sparse.vstack([row if row is not None else next(fresh) for row in rows],
                                   format="csr")
        for doc in docs:  # a sparse row cannot cross to another process with the doc
            doc._.ngram_counts = None
        dense = dense_features(texts) if self.model.dense_features else None
        return self.model.probabilities(texts, dense, hashed)


def mention_spans(doc: Doc) -> list[tuple[int, int]]:
    """Character spans of concept and entity mentions (their clauses need an aspect score)."""
    spans = [(s, e) for s, e, _, _ in doc._.concepts or []]
    return spans + [(ent.start_char, ent.end_char) for ent in doc.ents]


def clause_weight(text: str, after_contrast: bool) -> float:
    """As the rule layer weighs clauses: after a contrast word double, bare politeness little."""
    if POLITENESS.match(text):
        return 0.25
    return 2.0 if after_contrast else 1.0


@Language.factory("ckg_sentiment", default_config={})
def make_learned_sentiment(nlp: Language, name: str) -> LearnedSentiment:
    return LearnedSentiment(load_model(SENTIMENT_MODEL))


def clauses_holding(ranges: list[tuple[int, int, bool]], mentions: list[tuple[int, int]]
                    ) -> list[tuple[int, int, bool]]:
    """The clauses (disjoint, in text order) that hold at least one mention whole; each
    mention finds its clause by bisection, so the work is linear in the text."""
    starts = [start for start, _, _ in ranges]
    holding: set[int] = set()
    for start, end in mentions:
        found = bisect_right(starts, start) - 1
        if found >= 0 and ranges[found][0] <= start and end <= ranges[found][1]:
            holding.add(found)
    return [clause for position, clause in enumerate(ranges) if position in holding]
