"""Analysts' labels: reading a label file, checking every value against the ontology.

A label file is CSV with a header: ``interaction_id`` or ``text`` (one of them per row), and
one or more of ``sentiment`` (negative, neutral, positive), ``area`` (a top-level concept id,
or ``none``) and ``concept`` (concept ids, several separated by ``|``; ``none`` says the
message is about no concept, where an empty cell says the concepts were not judged). A bad
row is set aside with its line, field and reason; the others are read. Nothing here touches
the graph or a model: it is the one parser the CLI, the API and the evaluation use.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kg.ontology.concept_labels import top_concepts
from kg.semantic.heads import NO_AREA, SENTIMENTS

LABEL_FIELDS = ("sentiment", "area", "concept")
NO_CONCEPT = "none"  # in the concept column: the analyst says the message is about no concept
KEY_FIELDS = ("interaction_id", "text")
MAX_TEXT_CHARS = 100_000


@dataclass(frozen=True)
class AnalystLabel:
    """One analyst's judgement of one message; an empty field means "not judged"."""

    interaction_id: str | None
    text: str | None
    sentiment: str | None
    area: str | None
    concepts: tuple[str, ...] | None
    line: int = 0  # its line in the label file (0: not from a file)


@dataclass(frozen=True)
class RejectedLabel:
    line: int
    field: str
    reason: str


def _concepts_of(value: str, known: dict[str, str]) -> tuple[tuple[str, ...], str | None]:
    concepts = tuple(sorted({part.strip() for part in value.split("|") if part.strip()}))
    unknown = [c for c in concepts if c not in known]
    if unknown:
        return (), f"unknown concept id(s) {', '.join(unknown)}"
    return concepts, None


def parse_row(row: dict[str, str | None], line: int, known: dict[str, str]
              ) -> AnalystLabel | RejectedLabel:
    """The label of one CSV row, or why it is set aside."""
    values = {key: (row.get(key) or "").strip() for key in (*KEY_FIELDS, *LABEL_FIELDS)}
    if not values["interaction_id"] and not values["text"]:
        return RejectedLabel(line, "interaction_id", "neither interaction_id nor text is given")
    if len(values["text"]) > MAX_TEXT_CHARS:
        return RejectedLabel(line, "text", f"text is longer than {MAX_TEXT_CHARS:,} characters")
    if not any(values[field] for field in LABEL_FIELDS):
        return RejectedLabel(line, "sentiment", "no label: give sentiment, area or concept")
    sentiment = values["sentiment"].lower() or None
    if sentiment is not None and sentiment not in SENTIMENTS:
        return RejectedLabel(line, "sentiment",
                             f"{values['sentiment']!r} is not one of {', '.join(SENTIMENTS)}")
    area = values["area"] or None
    areas = set(known.values())
    if area is not None and area != NO_AREA and area not in areas:
        return RejectedLabel(line, "area", f"{area!r} is not a top-level concept id or 'none'")
    concepts: tuple[str, ...] | None = None
    if values["concept"].lower() == NO_CONCEPT:
        concepts = ()  # judged: about no concept
    elif values["concept"]:
        concepts, problem = _concepts_of(values["concept"], known)
        if problem:
            return RejectedLabel(line, "concept", problem)
    return AnalystLabel(interaction_id=values["interaction_id"] or None,
                        text=values["text"] or None, sentiment=sentiment, area=area,
                        concepts=concepts, line=line)


def parse_labels(handle: Iterable[str]) -> tuple[list[AnalystLabel], list[RejectedLabel]]:
    """Every row of a label CSV, read or set aside."""
    reader = csv.DictReader(handle)
    header = [name.strip() for name in reader.fieldnames or []]
    if not set(header) & set(KEY_FIELDS) or not set(header) & set(LABEL_FIELDS):
        return [], [RejectedLabel(1, "header", "the header needs interaction_id or text, and "
                                               "one or more of sentiment, area, concept")]
    reader.fieldnames = header
    known = top_concepts()
    read: list[AnalystLabel] = []
    rejected: list[RejectedLabel] = []
    for line, row in enumerate(reader, start=2):
        parsed = parse_row(row, line, known)
        (rejected if isinstance(parsed, RejectedLabel) else read).append(parsed)  # type: ignore[arg-type]
    return read, rejected


def read_label_file(path: Path) -> tuple[list[AnalystLabel], list[RejectedLabel]]:
    text = path.read_text(encoding="utf-8-sig")
    return parse_labels(io.StringIO(text, newline=""))
