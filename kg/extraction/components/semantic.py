"""The ``ckg_semantic`` pipeline component: sentiment, aspect sentiment and concepts by meaning.

One encoder pass per message (batched, :mod:`kg.semantic.encoder`), then the active model's
heads (:mod:`kg.semantic.heads`):

- message sentiment from the message's features; when the message has a few clauses (split at
  sentence ends and contrast words), each clause is scored from the mean of its own token
  vectors, and the message's probabilities are mostly its own and partly its clauses' (as the
  previous layer did: after "but" double, bare "thanks" little);
- a concept or entity mention takes the score of its clause: aspect sentiment from the same
  model;
- the concept matcher's word matches are kept or dropped by the concept and area heads (as the
  previous topic classifier did, :func:`kg.extraction.components.topics.combine`), concepts the
  heads are sure of are added, and each added concept is placed on the clause whose meaning is
  closest to the concept's labels, or marked as inferred for the whole message when no clause
  is close enough.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from spacy.language import Language
from spacy.tokens import Doc

from kg.extraction.components.language import is_supported
from kg.extraction.components.learned_sentiment import (
    MAX_MIXED_CLAUSES,
    MESSAGE_SHARE,
    MIN_CLAUSE_CHARS,
    clause_weight,
    clauses_holding,
    mention_spans,
    scores_of,
)
from kg.extraction.components.sentiment import clause_ranges
from kg.extraction.components.topics import Thresholds, combine
from kg.extraction.linear_text_model import batches
from kg.extraction.service_features import cue_rows
from kg.semantic.encoder import Reading, SentenceEncoder, shared_encoder
from kg.semantic.features import feature_rows
from kg.semantic.heads import SENTIMENTS, SemanticHeads
from kg.semantic.versions import active_version, base_version, load_heads

MAX_INFERRED_CONCEPTS = 2  # on the dev parts, two concepts at most per message scored best

for name in ("clauses", "sentiment", "inferred_concepts", "embedding"):
    if not Doc.has_extension(name):
        Doc.set_extension(name, default=None)


@dataclass(frozen=True)
class Clause:
    doc: int  # position in the batch
    start: int
    end: int
    weight: float  # its share in the message's sentiment (0: scored for aspects only)


class SemanticReader:
    def __init__(self, heads: SemanticHeads, encoder: SentenceEncoder, version: str) -> None:
        self.heads = heads
        self.encoder = encoder
        self.version = version
        self.thresholds = Thresholds(keep=0.0, area_keep=0.1, add=heads.concept_threshold,
                                     area=heads.area_threshold)
        self.concept_vectors = {
            concept: heads.labels.vectors[[i for i, owner in enumerate(heads.labels.owners)
                                           if owner == concept]]
            for concept in set(heads.labels.owners)}

    def __call__(self, doc: Doc) -> Doc:
        self._read([doc])
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        for batch in batches(docs, size=batch_size):
            self._read(batch)
            yield from batch

    def _read(self, docs: Sequence[Doc]) -> None:
        for doc in docs:
            doc._.clauses, doc._.sentiment, doc._.inferred_concepts = [], 0.0, []
            doc._.embedding = None
        readable = [position for position, doc in enumerate(docs) if is_supported(doc)]
        if not readable:
            return
        texts = [docs[p].text for p in readable]
        readings = dict(zip(readable, self.encoder.read(texts), strict=True))
        embeddings = np.stack([readings[p].embedding for p in readable])
        for p in readable:  # kept for search and grouping; a text with no word piece has none
            if readings[p].embedding.any():
                docs[p]._.embedding = readings[p].embedding
        features = feature_rows(embeddings, cue_rows(texts), self.heads.labels)
        sentiment = self.heads.sentiment.probabilities(features)
        areas = self.heads.area.probabilities(features)
        concepts = self.heads.concepts.probabilities(features)
        clauses = [clause for p, text in zip(readable, texts, strict=True)
                   for clause in self._clauses(p, docs[p], text)]
        whole = dict(zip(readable, texts, strict=True))  # doc.text is rebuilt on every access
        clause_rows = self._clause_probabilities(clauses, whole, readings)
        mixed: dict[int, list[tuple[float, NDArray[np.float32]]]] = {}
        for clause, row in zip(clauses, clause_rows, strict=True):
            if clause.weight > 0:
                mixed.setdefault(clause.doc, []).append((clause.weight, row))
            if clause.end - clause.start >= MIN_CLAUSE_CHARS:
                [score] = scores_of(row[None, :].astype(np.float64), SENTIMENTS)
                docs[clause.doc]._.clauses.append((clause.start, clause.end, score))
        for index, position in enumerate(readable):
            row = self._ordered(sentiment[index])
            parts = mixed.get(position)
            if parts:
                total = sum(w for w, _ in parts)
                row = MESSAGE_SHARE * row + (1 - MESSAGE_SHARE) * sum(
                    w * r for w, r in parts) / total
            [docs[position]._.sentiment] = scores_of(row[None, :].astype(np.float64),
                                                     SENTIMENTS)
            self._concepts(docs[position], whole[position], readings[position], areas[index],
                           concepts[index])

    def _ordered(self, row: NDArray[np.float32]) -> NDArray[np.float32]:
        """Sentiment probabilities in :data:`SENTIMENTS` order."""
        classes = self.heads.sentiment.classes
        return np.array([row[classes.index(c)] for c in SENTIMENTS], np.float32)

    def _clauses(self, position: int, doc: Doc, text: str) -> list[Clause]:
        ranges = [(s, e, after) for s, e, after in clause_ranges(doc) if text[s:e].strip()]
        mixed_in = 1 < len(ranges) <= MAX_MIXED_CLAUSES
        if len(ranges) > MAX_MIXED_CLAUSES:  # long narratives: only clauses with aspects
            ranges = clauses_holding(ranges, mention_spans(doc))
        elif len(ranges) == 1:
            ranges = []
        return [Clause(position, s, e, clause_weight(text[s:e], after) if mixed_in else 0.0)
                for s, e, after in ranges]

    def _clause_probabilities(self, clauses: list[Clause], texts: dict[int, str],
                              readings: dict[int, Reading]) -> list[NDArray[np.float32]]:
        if not clauses:
            return []
        embeddings = np.stack([readings[c.doc].span_embedding(c.start, c.end)
                               for c in clauses])
        rows = self.heads.sentiment.probabilities(feature_rows(
            embeddings, cue_rows([texts[c.doc][c.start:c.end] for c in clauses]),
            self.heads.labels))
        return [self._ordered(row) for row in rows]

    def _concepts(self, doc: Doc, text: str, reading: Reading, areas: NDArray[np.float32],
                  concepts: NDArray[np.float32]) -> None:
        probabilities = {c: float(p) for c, p in zip(self.heads.concepts.classes, concepts,
                                                     strict=True)}
        probabilities.update({a: float(p) for a, p in zip(self.heads.area.classes, areas,
                                                          strict=True) if a != "none"})
        kept, inferred = combine(doc._.concepts or [], probabilities, self.heads.labels.tops,
                                 self.thresholds)
        tops = self.heads.labels.tops
        narrow = [(c, p) for c, p in inferred if tops.get(c, c) != c][:MAX_INFERRED_CONCEPTS]
        broad = [(c, p) for c, p in inferred if tops.get(c, c) == c]
        placed, whole = [], []
        spans = [(s, e) for s, e, _ in doc._.clauses or []]
        for concept, probability in narrow + broad:
            clause = self._closest_clause(concept, reading, spans)
            if clause is None:
                whole.append((concept, round(probability, 3)))
            else:
                start, end = clause
                placed.append((start, end, concept, text[start:end]))
        doc._.concepts = sorted(kept + placed)
        doc._.inferred_concepts = whole

    def _closest_clause(self, concept: str, reading: Reading, spans: list[tuple[int, int]]
                        ) -> tuple[int, int] | None:
        """The clause closest in meaning to the concept's labels, if close enough."""
        vectors = self.concept_vectors.get(concept)
        if vectors is None or len(spans) < 2:
            return None
        similarities = [float((vectors @ reading.span_embedding(s, e)).max()) for s, e in spans]
        best = int(np.argmax(similarities))
        return spans[best] if similarities[best] >= self.heads.label_similarity else None


@Language.factory("ckg_semantic", default_config={"model_dir": "", "encoder_threads": 1})
def make_semantic_reader(nlp: Language, name: str, model_dir: str, encoder_threads: int
                         ) -> SemanticReader:
    """The reader with the active model of ``model_dir`` (the shipped base model if empty);
    ``encoder_threads``: see :class:`kg.semantic.encoder.SentenceEncoder` (1 is fork-safe)."""
    version = active_version(Path(model_dir)) if model_dir else base_version()
    reader = SemanticReader(load_heads(version), shared_encoder(encoder_threads), version.name)
    nlp.meta["ckg_semantic_model"] = version.name
    return reader
