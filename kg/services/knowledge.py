"""Recurring questions, emerging topics, SKOS suggestions and regrouping: the use cases
``kg questions …``, ``kg ontology suggest`` and ``GET /insights/recurring-questions`` /
``GET /insights/emerging-topics`` all call.

A window left open ends at the graph's now (which one record cannot move,
:mod:`kg.derivation.clock`) and spans :data:`RECURRING_DAYS` for recurring questions and
:data:`EMERGING_DAYS` (week over week) for emerging topics.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import neo4j

from kg.derivation.clock import NEWEST_INTERACTION_TIMES, NOW_RANK, graph_now, shifted
from kg.derivation.question_groups import GroupingSummary, group_waiting, regroup_everything
from kg.graph.driver import run_query
from kg.knowledge.emerging import emerging_topics
from kg.knowledge.models import EmergingTopics, RecurringQuestions
from kg.knowledge.recurring import recurring_questions
from kg.knowledge.suggestions import turtle_document
from kg.semantic.heads import SemanticHeads
from kg.semantic.versions import active_version, load_heads
from kg.settings import Settings

RECURRING_DAYS = 28
EMERGING_DAYS = 7

__all__ = ["GroupingSummary", "emerging", "group_waiting", "recurring", "regroup",
           "suggested_concepts"]


def window(driver: neo4j.Driver, settings: Settings, since: datetime | None,
           until: datetime | None, days: int) -> tuple[datetime, datetime]:
    """``[since, until)``, a missing end from the graph's now and a missing start ``days``
    before the end."""
    if until is None:
        times = run_query(driver, settings, NEWEST_INTERACTION_TIMES, {"rank": NOW_RANK})
        now = graph_now(times[0]["times"] if times else []) or datetime.now(UTC)
        until = shifted(now, timedelta(seconds=1))  # the newest message itself is in it
    return (since or shifted(until, timedelta(days=-days))), until


def recurring(driver: neo4j.Driver, settings: Settings, *, since: datetime | None = None,
              until: datetime | None = None, min_messages: int = 2, offset: int = 0,
              limit: int = 20) -> RecurringQuestions:
    start, end = window(driver, settings, since, until, RECURRING_DAYS)
    return recurring_questions(driver, settings, since=start, until=end,
                               min_messages=min_messages, offset=offset, limit=limit)


def emerging(driver: neo4j.Driver, settings: Settings, *, since: datetime | None = None,
             until: datetime | None = None, min_messages: int = 3, limit: int = 20
             ) -> EmergingTopics:
    start, end = window(driver, settings, since, until, EMERGING_DAYS)
    return emerging_topics(driver, settings, reading_heads(settings), since=start, until=end,
                           min_messages=min_messages, limit=limit)


def suggested_concepts(driver: neo4j.Driver, settings: Settings, *,
                       since: datetime | None = None, until: datetime | None = None) -> str:
    """The emerging topics' SKOS suggestions as one Turtle document, for review."""
    topics = emerging(driver, settings, since=since, until=until)
    return turtle_document([topic.suggestion for topic in topics.topics])


def regroup(driver: neo4j.Driver, settings: Settings) -> GroupingSummary:
    return regroup_everything(driver, settings)


def reading_heads(settings: Settings) -> SemanticHeads:
    """The active reading model's heads (their concept label embeddings); the shipped base
    model until a deployment activates its own."""
    return load_heads(active_version(Path(settings.model_dir)))
