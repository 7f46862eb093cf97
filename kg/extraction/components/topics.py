"""The topic classifier: which concepts a whole message is about, learned from labelled text.

The matcher (:mod:`.concepts`) finds SKOS wording with its span; many matches are words a
message uses without being about them ("my account", "pay"). The classifier
(``trained/topics.npz``: one sigmoid per concept and per top-level area, over the same hashed
n-grams as the sentiment model) judges the message as a whole:

- a concept matched by several words ("lost my bag", "credit report") or a hashtag stays;
  one matched by a single word ("paid", "update", "kind") stays only when the classifier gives
  it or its area ``keep_threshold``: such words are often used in passing;
- a matched top-level area (a broad word: "account", "app", "service") stays only when the
  classifier gives the area ``area_keep_threshold``;
- a matched top-level area gives way to a kept narrower concept of the same area (people
  label the most specific concept that fits);
- a concept the classifier is sure of (``add_threshold``), or an area with no kept concept
  (``area_threshold``), is added as inferred for the whole message, with its probability.

The thresholds are chosen on the dev half of the real-message gold set by cross-validation.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from kg.extraction.components.language import is_supported
from kg.extraction.linear_text_model import LinearTextModel, batches, counts
from kg.extraction.trained_models import TOPIC_MODEL, load_model
from kg.ontology.concept_labels import top_concepts

if not Doc.has_extension("inferred_concepts"):
    Doc.set_extension("inferred_concepts", default=None)
if not Doc.has_extension("ngram_counts"):  # the message's hashed n-grams, for the next model
    Doc.set_extension("ngram_counts", default=None)

Matched = tuple[int, int, str, str]  # start, end, concept id, text


@dataclass(frozen=True)
class Thresholds:
    """How the matcher's concepts and the classifier's probabilities are combined (see above)."""

    keep: float = 0.0
    area_keep: float = 0.1
    add: float = 0.4
    area: float = 0.6


def combine(matched: Sequence[Matched], probabilities: dict[str, float], tops: dict[str, str],
            thresholds: Thresholds) -> tuple[list[Matched], list[tuple[str, float]]]:
    """Matched concepts kept, and concepts inferred for the whole message with their probability.
    """
    def believed(concept: str, text: str) -> bool:
        area = tops.get(concept, concept)
        if area == concept:  # a top-level area matched by a broad word ("account", "app")
            return probabilities.get(area, 0.0) >= thresholds.area_keep
        if len(text.split()) > 1 or text.startswith("#"):
            return True  # wording specific enough to stand on its own ("lost my bag")
        return max(probabilities.get(concept, 0.0), probabilities.get(area, 0.0)) \
            >= thresholds.keep

    kept = [m for m in matched if believed(m[2], m[3])]
    narrow_areas = {tops.get(c, c) for _, _, c, _ in kept if tops.get(c, c) != c}
    kept = [m for m in kept if not (tops.get(m[2], m[2]) == m[2] and m[2] in narrow_areas)]
    present = {c for _, _, c, _ in kept}
    inferred: dict[str, float] = {}
    for concept, probability in probabilities.items():
        is_area = tops.get(concept, concept) == concept
        if concept in present or is_area or probability < thresholds.add:
            continue
        inferred[concept] = probability
    covered = {tops.get(c, c) for c in present | set(inferred)}
    for concept, probability in probabilities.items():
        if tops.get(concept, concept) == concept and concept not in covered \
                and probability >= thresholds.area:
            inferred[concept] = probability
    return kept, sorted(inferred.items(), key=lambda item: -item[1])


class TopicClassifier:
    def __init__(self, model: LinearTextModel, thresholds: Thresholds) -> None:
        self.model = model
        self.tops = top_concepts()
        self.thresholds = thresholds

    def __call__(self, doc: Doc) -> Doc:
        self._classify([doc])
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        for batch in batches(docs, size=batch_size):
            self._classify(batch)
            yield from batch

    def _classify(self, docs: Sequence[Doc]) -> None:
        readable = [doc for doc in docs if is_supported(doc)]
        for doc in docs:
            doc._.inferred_concepts = []
        if not readable:
            return
        texts = [doc.text for doc in readable]
        hashed = counts(texts)
        rows = self.model.probabilities(texts, hashed_counts=hashed)
        for position, (doc, row) in enumerate(zip(readable, rows, strict=True)):
            doc._.ngram_counts = hashed[position]
            probabilities = {c: float(p) for c, p in zip(self.model.classes, row, strict=True)}
            kept, inferred = combine(doc._.concepts or [], probabilities, self.tops,
                                     self.thresholds)
            doc._.concepts = kept
            doc._.inferred_concepts = [(c, round(p, 3)) for c, p in inferred]


@Language.factory("ckg_topics", default_config={
    "keep_threshold": Thresholds.keep, "area_keep_threshold": Thresholds.area_keep,
    "add_threshold": Thresholds.add, "area_threshold": Thresholds.area})
def make_topics(nlp: Language, name: str, keep_threshold: float, area_keep_threshold: float,
                add_threshold: float, area_threshold: float) -> TopicClassifier:
    return TopicClassifier(load_model(TOPIC_MODEL), Thresholds(
        keep_threshold, area_keep_threshold, add_threshold, area_threshold))
