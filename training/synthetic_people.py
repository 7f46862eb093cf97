"""Synthetic person records with duplicates and typos, for training the shipped model and for
benchmarks at scale. Seeded, so the same call gives the same records.

Names are built from syllables with a skewed popularity, so a few names are common and most
are rare, as in real populations; each true person gets one original record and, with some
probability, up to three duplicates with typos, swapped or missing values, a moved address.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from kg.ingestion.records import PersonAttributes
from kg.resolution.persons import GRAPH_KEYS

SYLLABLES = ("an", "be", "ca", "de", "el", "fa", "gi", "ho", "is", "ja", "ka", "li", "ma", "ne",
             "ol", "pe", "ra", "si", "ta", "ul", "va", "wi", "yo", "za", "mi", "ro", "sa", "te")
STREETS = ("street", "road", "avenue", "place", "crescent", "close", "lane", "drive")
CITIES = 400
COUNTRIES = ("gb", "ie", "fr", "de")
REGIONS = ("north", "south", "east", "west", "midlands", "wales", "scotland", "islands")


@dataclass(frozen=True)
class SyntheticPerson:
    """One record: its id, the true person, and its attributes (graph property keys)."""

    record_id: str
    person: str
    attributes: dict[str, str]


def _popular_pick(rng: random.Random, pool: list[str]) -> str:
    """Early entries are picked far more often (the first of 3,000 about 2% of the time)."""
    return pool[int(len(pool) * rng.random() ** 2)]


def _word(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts))


def _typo(value: str, rng: random.Random) -> str:
    if len(value) < 3:
        return value
    i = rng.randrange(1, len(value) - 1)
    kind = rng.random()
    if kind < 0.4:
        return value[:i] + value[i + 1] + value[i] + value[i + 2:]
    if kind < 0.7:
        return value[:i] + value[i + 1:]
    return value[:i] + rng.choice("aeiourstn") + value[i + 1:]


def people(count: int, *, seed: int = 11, duplicate_share: float = 0.4
           ) -> Iterator[SyntheticPerson]:
    """About ``count`` records: originals and their noisy duplicates, shuffled by person."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    given_pool = sorted({_word(rng, rng.randint(2, 3)) for _ in range(3000)})
    family_pool = sorted({_word(rng, rng.randint(2, 4)) for _ in range(20000)})
    rng.shuffle(given_pool)
    rng.shuffle(family_pool)
    cities = [_word(rng, 3) for _ in range(CITIES)]
    made = person_number = 0
    while made < count:
        person_number += 1
        city = rng.randrange(CITIES)
        original = {
            "givenName": _popular_pick(rng, given_pool),
            "familyName": _popular_pick(rng, family_pool),
            "birthDate": f"{rng.randint(1930, 2005)}-{rng.randint(1, 12):02d}-"
                         f"{rng.randint(1, 28):02d}",
            "streetAddress": f"{rng.randint(1, 300)} {_word(rng, 2)} {rng.choice(STREETS)}",
            "addressLocality": cities[city], "postcode": f"{1000 + city * 20 + rng.randrange(20)}",
            "addressRegion": REGIONS[city % len(REGIONS)],
            "addressCountry": "gb" if rng.random() < 0.9 else rng.choice(COUNTRIES),
        }
        if rng.random() < 0.3:
            original["addressLine2"] = f"flat {rng.randint(1, 40)}"
        person = f"p{person_number}"
        yield SyntheticPerson(f"{person}-0", person, original)
        made += 1
        copies = rng.randint(1, 3) if rng.random() < duplicate_share else 0
        for copy in range(1, copies + 1):
            if made >= count:
                return
            yield SyntheticPerson(f"{person}-{copy}", person, _corrupt(original, rng))
            made += 1


def _digit_typo(value: str, rng: random.Random) -> str:
    """A mistyped digit: the date keeps its YYYY-MM-DD shape, as a form would enforce."""
    positions = [i for i, char in enumerate(value) if char.isdigit()]
    i = rng.choice(positions)
    return value[:i] + rng.choice("0123456789") + value[i + 1:]


def _corrupt(original: dict[str, str], rng: random.Random) -> dict[str, str]:
    record = dict(original)
    for _ in range(rng.randint(1, 3)):
        field = rng.choice(sorted(record))
        roll = rng.random()
        if roll < 0.6:
            record[field] = (_digit_typo(record[field], rng) if field == "birthDate"
                             else rng.choice(COUNTRIES) if field == "addressCountry"
                             else _typo(record[field], rng))
        elif roll < 0.8 and field not in ("givenName", "familyName"):
            del record[field]
        elif field == "birthDate" and record[field].count("-") == 2:
            year, month, day = record[field].split("-")
            record[field] = f"{year}-{day}-{month}" if day.isdigit() and int(day) <= 12 \
                else record[field]
        else:
            record["givenName"], record["familyName"] = (record.get("familyName", ""),
                                                         record.get("givenName", ""))
    return {key: value for key, value in record.items() if value}


def person_attributes(graph_properties: Mapping[str, str]) -> PersonAttributes:
    """Canonical person attributes from graph property keys (postcode is not one of them)."""
    by_key = {key: field for field, key in GRAPH_KEYS.items() if field != "postcode"}
    return PersonAttributes.model_validate(
        {by_key[key]: value for key, value in graph_properties.items() if key in by_key})
