"""Intents and emotions, multi-label, each with the words that showed it."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from kg.extraction.components.language import is_supported
from kg.extraction.lexicons import signal_cues

if not Doc.has_extension("signals"):
    Doc.set_extension("signals", default=None)

NEGATIVE_COMPLAINT = -0.05  # an inbound negative message is a complaint, cue word or not
PRAISE = 0.3  # a clearly positive message is praise, cue word or not


class SignalDetector:
    def __init__(self) -> None:
        self.cues = signal_cues()

    def __call__(self, doc: Doc) -> Doc:
        if not is_supported(doc):
            doc._.signals = []
            return doc
        found: dict[tuple[str, str], tuple[float, int, int]] = {}
        text = doc.text  # built from the tokens on every access: read it once
        for cue in self.cues:
            match = cue.pattern.search(text)
            if match is None:
                continue
            key = (cue.kind, cue.category)
            if key not in found or found[key][0] < cue.confidence:
                found[key] = (cue.confidence, match.start(), match.end())
        score = doc._.sentiment
        if score is not None and score <= NEGATIVE_COMPLAINT:
            clause = min(doc._.clauses or [(0, len(text), score)], key=lambda c: c[2])
            found[("intent", "complaint")] = (round(min(1.0, 0.5 + abs(score) / 2), 3),
                                              clause[0], clause[1])
        if ("intent", "praise") not in found and score is not None and score >= PRAISE:
            found[("intent", "praise")] = (0.6, 0, len(text))
        doc._.signals = sorted((kind, category, conf, start, end)
                               for (kind, category), (conf, start, end) in found.items())
        return doc


@Language.factory("ckg_signals", default_config={})
def make_signals(nlp: Language, name: str) -> SignalDetector:
    return SignalDetector()
