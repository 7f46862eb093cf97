"""The in-domain labelled messages the semantic heads are trained and measured on.

Labels live in ``training/labels/<source>.jsonl`` (one record per line: data set, record id,
sentiment, area, concepts); the texts stay in ``../shared/data`` (the project never copies
them) and are joined by (data set, record id). The real-message gold set
(``tests/data/real_gold.jsonl``) joins them: its records carry no area, so theirs is the top
area of their first concept.

Every record falls in ``train``, ``dev`` or ``test`` by a salted SHA-256 of
``dataset:record_id`` (60/20/20), fixed before any tuning, so adding records never moves one.
Gold-set records keep the gold set's own dev/test halves. Only sources whose licence allows
training a shipped model are ever trained on (:data:`TRAINABLE`); the others are measured only.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kg.errors import ConfigError
from kg.ontology.concept_labels import top_concepts
from training.real_gold import load_real_gold

LABELS = Path(__file__).resolve().parent / "labels"
DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SPLIT_SALT = "customer-kg-semantic-labels-v1"
NO_AREA = "none"
# Licence allows training a model the product ships: Apache-2.0, US public domain, CC BY 4.0.
TRAINABLE = frozenset({"twitter_customer_care", "cfpb", "banking77", "tweet_sentiment_extraction"})
SOURCES = ("twitter_customer_care", "cfpb", "banking77", "tweet_sentiment_extraction")


@dataclass(frozen=True)
class LabelledMessage:
    dataset: str
    record_id: str
    text: str
    sentiment: str
    area: str  # a top-level concept id, or "none"
    concepts: tuple[str, ...]
    split: str  # train, dev or test
    origin: str  # "labels" (training/labels) or "gold" (the real-message gold set)

    @property
    def trainable(self) -> bool:
        return self.dataset in TRAINABLE


def split_of(dataset: str, record_id: str) -> str:
    """``train`` (60%), ``dev`` (20%) or ``test`` (20%), by a salted hash: stable forever."""
    digest = hashlib.sha256(f"{SPLIT_SALT}:{dataset}:{record_id}".encode()).digest()
    share = int.from_bytes(digest[:2], "big") / 65536
    return "train" if share < 0.6 else "dev" if share < 0.8 else "test"


def texts_of(data: Path) -> dict[tuple[str, str], str]:
    """(data set, record id) → text, for every source the labels name."""
    if not data.is_dir():
        raise ConfigError(f"{data}: the shared data folder is missing (pass --data DIR)")
    texts: dict[tuple[str, str], str] = {}
    for name in ("dev.json", "test.json"):
        path = data / "twitter_customer_care" / name
        for conversation in json.loads(path.read_text(encoding="utf-8")):
            for turn in conversation["dialogContent"]:
                if "client" in turn:
                    texts[("twitter_customer_care", str(turn["tweet_ID"]))] = str(
                        turn.get("message", "")).strip()
    path = data / "cfpb_complaints" / "complaints_sample.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            texts[("cfpb", row["Complaint ID"])] = row["Consumer complaint narrative"].strip()
    for split in ("train", "test"):
        path = data / "banking77" / f"{split}.csv"
        with path.open(encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle)):
                texts[("banking77", f"{split}:{number}")] = row["text"]
    path = data / "tweet_sentiment_extraction" / "train_10fold.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            texts[("tweet_sentiment_extraction", row["textID"])] = row["text"].strip()
    path = data / "twcs_threads" / "twcs_head5000.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            texts[("twcs", row["tweet_id"])] = row["text"]
    path = data / "amazon_food_reviews" / "Reviews_head5000.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            texts[("amazon_reviews", row["Id"])] = row["Text"].replace("<br />", " ")
    return texts


def read_label_file(path: Path) -> list[dict[str, object]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        for field in ("dataset", "record_id", "sentiment", "area", "concepts"):
            if field not in row:
                raise ConfigError(f"{path}:{number}: field {field!r} is missing")
        rows.append(row)
    return rows


def labelled_messages(data: Path = DEFAULT_DATA, labels: Path = LABELS,
                      include_gold: bool = True) -> list[LabelledMessage]:
    """Every labelled message with its text and split, in a stable order."""
    texts = texts_of(data)
    tops = top_concepts()
    found: dict[tuple[str, str], LabelledMessage] = {}
    for path in sorted(labels.glob("*.jsonl")):
        for row in read_label_file(path):
            key = (str(row["dataset"]), str(row["record_id"]))
            text = texts.get(key, "")
            if not text.strip():
                continue
            found[key] = LabelledMessage(
                dataset=key[0], record_id=key[1], text=text, sentiment=str(row["sentiment"]),
                area=str(row["area"]), concepts=tuple(str(c) for c in row["concepts"]),  # type: ignore[attr-defined]
                split=split_of(*key), origin="labels")
    if include_gold:
        for gold in load_real_gold():
            key = (gold.dataset, gold.record_id)
            text = texts.get(key, "")
            if key in found or not text.strip():
                continue
            concepts = tuple(sorted(gold.concepts))
            found[key] = LabelledMessage(
                dataset=gold.dataset, record_id=gold.record_id, text=text,
                sentiment=gold.sentiment,
                area=tops.get(concepts[0], NO_AREA) if concepts else NO_AREA,
                concepts=concepts, split=gold.split, origin="gold")
    return [found[key] for key in sorted(found)]


def part(messages: Iterable[LabelledMessage], split: str, *, trainable_only: bool = False
         ) -> list[LabelledMessage]:
    return [m for m in messages if m.split == split and (m.trainable or not trainable_only)]
