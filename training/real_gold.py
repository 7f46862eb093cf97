"""The real-message gold set: people's labels for customer messages from ``../shared/data``.

``tests/data/real_gold.jsonl`` holds labels only (data set, record id, sentiment, concepts,
entities); the texts stay in ``../shared/data`` (their licences differ) and are joined by
(data set, record id). Each record falls in the ``dev`` or ``test`` half by a stable hash of
``dataset:record_id``, so the halves never change when records are added: dev may be looked at
and tuned on, test is only measured.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kg.errors import ConfigError

GOLD = Path(__file__).resolve().parents[1] / "tests" / "data" / "real_gold.jsonl"
SPLIT_SALT = "customer-kg-real-gold-v1"
FIELDS = ("dataset", "record_id", "sentiment", "concepts", "entities")


@dataclass(frozen=True)
class RealGoldRecord:
    dataset: str
    record_id: str
    sentiment: str
    concepts: frozenset[str]
    entities: frozenset[tuple[str, str]]  # (exact text, type)
    split: str


def split_of(dataset: str, record_id: str) -> str:
    """``dev`` or ``test``, by the first byte of a salted SHA-256 of ``dataset:record_id``."""
    digest = hashlib.sha256(f"{SPLIT_SALT}:{dataset}:{record_id}".encode()).digest()
    return "dev" if digest[0] < 128 else "test"


def parse(line: str, where: str) -> RealGoldRecord:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as error:
        raise ConfigError(f"{where}: not JSON ({error.msg})") from error
    for field in FIELDS:
        if field not in row:
            raise ConfigError(f"{where}: field {field!r} is missing")
    if row["sentiment"] not in ("negative", "neutral", "positive"):
        raise ConfigError(f"{where}: field 'sentiment' is {row['sentiment']!r}")
    return RealGoldRecord(
        dataset=str(row["dataset"]), record_id=str(row["record_id"]),
        sentiment=row["sentiment"], concepts=frozenset(row["concepts"]),
        entities=frozenset((str(e["text"]), str(e["type"])) for e in row["entities"]),
        split=split_of(str(row["dataset"]), str(row["record_id"])))


def load_real_gold(path: Path = GOLD) -> list[RealGoldRecord]:
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [parse(line, f"{path}:{number}") for number, line in enumerate(lines, start=1)
            if line.strip()]


def gold_keys(path: Path = GOLD) -> frozenset[tuple[str, str]]:
    """(data set, record id) of every gold record: never used for training, either half."""
    return frozenset((r.dataset, r.record_id) for r in load_real_gold(path))


def write_real_gold(label_files: Iterable[Path], path: Path = GOLD) -> int:
    """Keep only the label fields of the annotators' files, sorted, one record per line."""
    rows: dict[tuple[str, str], dict[str, object]] = {}
    for label_file in label_files:
        for number, line in enumerate(label_file.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                row = json.loads(line)
                parse(line, f"{label_file}:{number}")
                key = (str(row["dataset"]), str(row["record_id"]))
                rows[key] = {field: row[field] for field in FIELDS}
                rows[key]["record_id"] = key[1]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for key in sorted(rows):
            handle.write(json.dumps(rows[key], ensure_ascii=False) + "\n")
    return len(rows)
