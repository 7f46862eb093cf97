"""A SKOS concept suggested for an emerging topic, as Turtle a person reviews before adding it
to ``ontology/concepts.ttl`` (nothing is added by itself: the taxonomy is curated).

The concept id and ``skos:prefLabel`` come from the topic's two most distinctive terms, its
``skos:altLabel``s from the next ones, its ``skos:broader`` from the closest area, and an
``skos:editorialNote`` says where it came from. Terms are lower-case ASCII words (see
:func:`kg.knowledge.emerging.document_terms`); anything else is dropped, so a suggestion is
always valid Turtle.
"""

from __future__ import annotations

import re
from typing import Final

from kg.knowledge.models import SkosSuggestion

SAFE: Final = re.compile(r"^[a-z][a-z0-9'-]*$")
PREFIXES: Final = ("@prefix ckc:  <https://w3id.org/customer-kg/concept/> .\n"
                   "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n")


def suggestion_for(terms: list[str], area: str | None, group_id: str, messages: int
                   ) -> SkosSuggestion:
    safe = [t.replace("'", "") for t in terms if SAFE.match(t)]
    named = safe[:2] or ["unnamed"]
    concept_id = "-".join(named)
    pref = " ".join(named)
    alt = safe[2:5]
    lines = [f"ckc:{concept_id} a skos:Concept ;",
             "    skos:inScheme ckc:scheme ;"]
    if area and SAFE.match(area):
        lines.append(f"    skos:broader ckc:{area} ;")
    lines.append(f'    skos:prefLabel "{pref}"@en ;')
    if alt:
        lines.append("    skos:altLabel " + " , ".join(f'"{a}"@en' for a in alt) + " ;")
    lines.append(f'    skos:editorialNote "Suggested from {messages} messages of question '
                 f'group {_quoted(group_id)} that no concept covered; review the labels and '
                 f'the broader area before adding."@en .')
    return SkosSuggestion(conceptId=concept_id, prefLabel=pref, altLabels=alt,
                          broader=area, turtle="\n".join(lines) + "\n")


def turtle_document(suggestions: list[SkosSuggestion]) -> str:
    """Every suggestion in one Turtle document, with the prefixes they use."""
    return PREFIXES + "".join("\n" + s.turtle for s in suggestions)


def _quoted(text: str) -> str:
    return re.sub(r'[^A-Za-z0-9_.:-]', "", text)
