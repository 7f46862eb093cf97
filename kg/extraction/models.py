"""The typed result of extracting one message; offsets always index the original text."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Polarity = Literal["negative", "neutral", "positive"]


class Span(BaseModel):
    start: int = Field(ge=0, description="character offset of the first character")
    end: int = Field(ge=0, description="character offset just past the last character")
    text: str


class Sentiment(BaseModel):
    score: float = Field(ge=-1.0, le=1.0)
    label: Polarity
    confidence: float = Field(ge=0.0, le=1.0)


class ConceptMention(Span):
    """A concept the message is about: matched at its span, or inferred for the whole message
    (``inferred`` true, the span is the whole text, ``confidence`` the classifier's)."""

    concept_id: str
    concept_iri: str
    sentiment: Sentiment | None = None
    inferred: bool = False
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)


class EntityMention(Span):
    label: str = Field(description="PRODUCT, BRAND, COMPETITOR, ORG, PERSON, GPE, MONEY, DATE, ...")
    source: Literal["ner", "gazetteer"]
    entity_id: str | None = Field(default=None, description="gazetteer id when known")
    sentiment: Sentiment | None = None


class SocialToken(Span):
    kind: Literal["handle", "hashtag", "url", "emoji", "emoticon"]


class Identifier(Span):
    kind: Literal["email", "phone", "order", "booking", "ticket", "account", "handle"]
    value: str = Field(description="normalised value used for identity resolution")


class Signal(BaseModel):
    """A detected intent or emotion with the words that showed it."""

    category: str
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: Span


class Provenance(BaseModel):
    extractor: str = "customer-kg"
    version: str
    model: str
    model_version: str


class ExtractionResult(BaseModel):
    record_id: str
    text_length: int
    sentiment: Sentiment
    concepts: list[ConceptMention] = []
    entities: list[EntityMention] = []
    identifiers: list[Identifier] = []
    social: list[SocialToken] = []
    intents: list[Signal] = []
    emotions: list[Signal] = []
    redacted_text: str | None = None
    language: str | None = Field(default=None, description="ISO 639-1 code, from py3langid")
    language_confidence: float | None = None
    warnings: list[str] = []
    provenance: Provenance
    embedding: list[float] | None = Field(
        default=None, description="the message's sentence embedding (unit length; "
                                  "kg.semantic.encoder), stored for search and grouping")


class ExtractionError(BaseModel):
    """One record that could not be extracted, with the reason; the batch goes on."""

    record_id: str
    field: str
    error: str
