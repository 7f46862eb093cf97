"""The concept matcher: SKOS labels matched case-, stretch- and lemma-insensitively.

Four matchers share one vocabulary: on ``NORM`` (lower case, stretched letters squeezed), on
``LOWER`` (shouted text: spaCy's spelling norms apply to lower-case words only, so "CANCELLED"
and "cancelled" differ in ``NORM``), on ``LEMMA`` ("cancelled flights" meets "cancelled
flight"), and on hashtags split on camel case (``#LostLuggage`` meets "lost luggage").
Overlaps keep the longest span.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from kg.extraction.components.language import is_supported
from kg.extraction.components.social import split_hashtag
from kg.extraction.spans import DisjointSpans
from kg.ontology.concept_labels import concept_labels
from kg.ontology.namespaces import CKC

if not Doc.has_extension("concepts"):
    Doc.set_extension("concepts", default=None)

# Lemmatising the label patterns needs only these components of the base pipeline.
LEMMA_PIPES = ("tok2vec", "tagger", "attribute_ruler", "lemmatizer")


class ConceptMatcher:
    def __init__(self, nlp: Language, labels: dict[str, tuple[str, ...]]) -> None:
        self.nlp = nlp
        self.labels = labels
        self.by_phrase = {label: concept for concept, values in labels.items() for label in values}
        self.norm_matcher = PhraseMatcher(nlp.vocab, attr="NORM")
        self.lower_matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for concept, values in labels.items():
            patterns = [nlp.make_doc(v) for v in values]
            self.norm_matcher.add(concept, patterns)
            self.lower_matcher.add(concept, patterns)
        self.lemma_matcher: PhraseMatcher | None = None

    def _lemma_matcher(self) -> PhraseMatcher | None:
        """Built on first use, when the lemmatizer before this component is ready."""
        if self.lemma_matcher is None and "lemmatizer" in self.nlp.pipe_names:
            enabled = [p for p in LEMMA_PIPES if p in self.nlp.pipe_names]
            disabled = [p for p in self.nlp.pipe_names if p not in enabled]
            matcher = PhraseMatcher(self.nlp.vocab, attr="LEMMA")
            with self.nlp.select_pipes(disable=disabled):
                for concept, values in self.labels.items():
                    matcher.add(concept, list(self.nlp.pipe(values)))
            self.lemma_matcher = matcher
        return self.lemma_matcher

    def __call__(self, doc: Doc) -> Doc:
        if not is_supported(doc):
            doc._.concepts = []
            return doc
        found: dict[tuple[int, int, str], str] = {}
        for matcher in (self.norm_matcher, self.lower_matcher):
            for match_id, start, end in matcher(doc):
                span = doc[start:end]
                key = (span.start_char, span.end_char, self.nlp.vocab.strings[match_id])
                found[key] = span.text
        lemma_matcher = self._lemma_matcher()
        if lemma_matcher is not None and doc.has_annotation("LEMMA"):
            for match_id, start, end in lemma_matcher(doc):
                span = doc[start:end]
                key = (span.start_char, span.end_char, self.nlp.vocab.strings[match_id])
                found.setdefault(key, span.text)
        text = doc.text  # built from the tokens on every access: read it once
        for kind, start, end in doc._.social or []:
            if kind == "hashtag":
                words = split_hashtag(text[start:end])
                concept = self.by_phrase.get(" ".join(words))
                if concept is None:
                    concept = self.by_phrase.get("".join(words))
                if concept is not None:
                    found[(start, end, concept)] = text[start:end]
        doc._.concepts = _longest(found)
        return doc


def _longest(found: dict[tuple[int, int, str], str]) -> list[tuple[int, int, str, str]]:
    """Drop a match inside a longer one; equal spans keep every concept."""
    ordered = sorted(found.items(), key=lambda item: (-(item[0][1] - item[0][0]), item[0][0]))
    kept: list[tuple[int, int, str, str]] = []
    taken = DisjointSpans()  # kept ranges never overlap, unless they are the same range
    for (start, end, concept), text in ordered:
        other = taken.overlapping(start, end)
        if other is None or other == (start, end):
            taken.add(start, end)
            kept.append((start, end, concept, text))
    return sorted(kept)


def concept_iri(concept_id: str) -> str:
    return str(CKC[concept_id])


@Language.factory("ckg_concepts", default_config={})
def make_concepts(nlp: Language, name: str) -> ConceptMatcher:
    return ConceptMatcher(nlp, concept_labels())
