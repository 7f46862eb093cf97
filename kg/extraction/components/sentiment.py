"""The rule-based sentiment layer: VADER plus customer-service wording, per clause.

The pipeline's ``ckg_sentiment`` is the learned model (:mod:`.learned_sentiment`), which reads
this layer's lexicons as features and uses its clause split. This layer stays available as the
``ckg_sentiment_rules`` component, the baseline ``scripts/eval_extraction`` prints beside it.

A message is cut into clauses at sentence ends and contrast words ("great crew | but lost my
bag"). Each clause gets VADER's compound score plus the weights of the service cues it contains
("still waiting", "no response after 3 emails"). The message score weighs clauses after a
contrast word double and pure politeness ("thanks", "please") lightly, so "thanks, but …"
does not hide a complaint. A concept or entity mention takes the score of its clause.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right

from spacy.language import Language
from spacy.tokens import Doc
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from kg.extraction.components.language import is_supported
from kg.extraction.lexicons import service_sentiment_cues, vader_overrides

CONTRAST = {"but", "however", "although", "though", "yet", "except", "unfortunately", "sadly"}
REQUEST_WORDING = re.compile(r"\b(would like|'d like|like to)\b", re.IGNORECASE)
POLITENESS = re.compile(r"^\W*(hi|hello|hey|dear \w+|thanks?( you)?( so much)?|thx|please|pls|"
                        r"sorry|ok|okay)\W*$", re.IGNORECASE)
THRESHOLD = 0.05  # VADER's own neutral band

if not Doc.has_extension("clauses"):
    Doc.set_extension("clauses", default=None)
if not Doc.has_extension("sentiment"):
    Doc.set_extension("sentiment", default=None)


def label_of(score: float) -> str:
    if score >= THRESHOLD:
        return "positive"
    if score <= -THRESHOLD:
        return "negative"
    return "neutral"


def confidence_of(score: float) -> float:
    """Far from the neutral band is surer; inside it, near zero is surer."""
    magnitude = abs(score)
    if magnitude < THRESHOLD:
        return round(1.0 - magnitude / THRESHOLD * 0.5, 3)
    return round(min(1.0, 0.5 + magnitude * 0.6), 3)


class ClauseSentiment:
    def __init__(self) -> None:
        self.vader = SentimentIntensityAnalyzer()
        self.vader.lexicon.update(vader_overrides())
        self.cues = service_sentiment_cues()

    def clause_score(self, text: str) -> float:
        plain = REQUEST_WORDING.sub(" ", html.unescape(text))
        score = float(self.vader.polarity_scores(plain)["compound"])
        adjustment = sum(cue.weight for cue in self.cues if cue.pattern.search(plain))
        if adjustment:
            score = min(score, 0.2) + adjustment
        return max(-1.0, min(1.0, score))

    def __call__(self, doc: Doc) -> Doc:
        if not is_supported(doc):
            doc._.clauses, doc._.sentiment = [], 0.0
            return doc
        clauses: list[tuple[int, int, float, float]] = []  # start, end, score, weight
        whole = doc.text  # built from the tokens on every access: read it once
        for start, end, after_contrast in clause_ranges(doc):
            text = whole[start:end]
            if not text.strip():
                continue
            score = self.clause_score(text)
            weight = 2.0 if after_contrast else 1.0
            if POLITENESS.match(text):
                weight = 0.25
            clauses.append((start, end, score, weight))
        doc._.clauses = [(s, e, score) for s, e, score, _ in clauses]
        if clauses:
            total = sum(w * (1 + abs(score)) for _, _, score, w in clauses)
            message = sum(w * (1 + abs(score)) * score for _, _, score, w in clauses) / total
        else:
            message = 0.0
        doc._.sentiment = round(message, 4)
        return doc


def clause_ranges(doc: Doc) -> list[tuple[int, int, bool]]:
    """Character ranges of clauses, and whether each follows a contrast word."""
    sentences = list(doc.sents) if doc.has_annotation("SENT_START") else [doc[:]]
    ranges: list[tuple[int, int, bool]] = []
    for sentence in sentences:
        start, after = sentence.start_char, False
        for token in sentence:
            if token.lower_ in CONTRAST and token.i > sentence.start:
                ranges.append((start, token.idx, after))
                start, after = token.idx, True
        ranges.append((start, sentence.end_char, after))
    return ranges


def score_at(doc: Doc, start: int, end: int) -> float:
    """The score of the clause holding a span (the message score when none does)."""
    clauses = doc._.clauses or []
    # clauses are disjoint and in text order: only the last one starting at or before the span
    # can hold it
    found = bisect_right(clauses, start, key=lambda clause: clause[0])
    if found:
        clause_start, clause_end, score = clauses[found - 1]
        if clause_start <= start and end <= clause_end:
            return float(score)
    return float(doc._.sentiment or 0.0)


@Language.factory("ckg_sentiment_rules", default_config={})
def make_sentiment(nlp: Language, name: str) -> ClauseSentiment:
    return ClauseSentiment()
