"""What the recurring-questions and emerging-topics reports answer: typed, shared by the CLI
and the API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class Example(BaseModel):
    interactionId: str
    text: str | None = None
    occurredAt: datetime | None = None


class ConceptCount(BaseModel):
    conceptId: str
    prefLabel: str | None = None
    messages: int


class Advocate(BaseModel):
    customerId: str
    answers: int = Field(description="their replies to other customers' messages in the group")


class CommonAnswer(BaseModel):
    text: str | None = None
    interactionId: str
    givenTimes: int = Field(description="brand replies in the group that say much the same")


class RecurringQuestion(BaseModel):
    groupId: str
    messages: int = Field(description="the group's messages in the window")
    previousMessages: int = Field(description="in the window of the same length before")
    trend: str = Field(description="rising, falling, steady or new")
    allTime: int
    customers: int
    examples: list[Example] = Field(description="the messages closest to the group's meaning")
    concepts: list[ConceptCount]
    answered: int = Field(description="messages the brand replied to")
    commonAnswer: CommonAnswer | None = None
    medianSecondsToAnswer: float | None = None
    communityAnswered: int = Field(
        description="messages another customer replied to before the brand did (or instead)")
    advocates: list[Advocate]
    publishedAnswerCandidate: bool = Field(
        description="the brand gave much the same answer at least "
                    "kg.knowledge.recurring.PUBLISHED_ANSWER_AFTER times")
    deflectable: int = Field(
        description="contacts a published answer would have deflected: every answered "
                    "message after the first")


class RecurringQuestions(BaseModel):
    since: datetime
    until: datetime
    groups: list[RecurringQuestion]
    deflectable: int = Field(description="the sum over the groups listed")


class SkosSuggestion(BaseModel):
    conceptId: str
    prefLabel: str
    altLabels: list[str]
    broader: str | None = Field(description="the area whose labels are closest in meaning")
    turtle: str


class EmergingTopic(BaseModel):
    groupId: str
    messages: int
    previousMessages: int
    growth: int
    terms: list[str] = Field(description="words frequent in the group and rare elsewhere")
    examples: list[Example]
    nearestConcept: str | None = None
    nearestSimilarity: float | None = None
    suggestion: SkosSuggestion


class EmergingTopics(BaseModel):
    since: datetime
    until: datetime
    topics: list[EmergingTopic]
