"""Product reviews in the Amazon Fine Food Reviews layout (CSV).

``Time`` is Unix epoch seconds; ``Score`` (1-5) may be blank; texts carry ``<br />``; the
reviewer is a handle on the network ``amazon`` with the profile name as display name.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from kg.ingestion.adapters.base import (
    AdapterOptions,
    Item,
    Rejected,
    SourceRef,
    adapter,
    build,
    csv_rows,
)
from kg.ingestion.records import InteractionRecord


@adapter("amazon_reviews")
def read_reviews(path: Path, options: AdapterOptions) -> Iterator[Item]:
    for line, row in csv_rows(path):
        ref = SourceRef(path.name, f"line {line} (review {row.get('Id', '?')})")
        try:
            occurred = datetime.fromtimestamp(int(row["Time"]), tz=UTC)
        except (KeyError, ValueError, OverflowError) as error:
            yield Rejected(ref, "Time", f"not Unix epoch seconds: {error}")
            continue
        score = (row.get("Score") or "").strip()
        text = html.unescape((row.get("Text") or "").replace("<br />", "\n"))
        yield build(ref, InteractionRecord, {
            "source": "amazon_reviews", "source_id": (row.get("Id") or "").strip(),
            "kind": "Review", "channel": "review", "occurred_at": occurred.isoformat(),
            "text": text, "subject": row.get("Summary") or None,
            "rating": float(score) if score else None,
            "author": {"kind": "handle", "network": "amazon",
                       "value": (row.get("UserId") or "").strip(),
                       "display_name": row.get("ProfileName") or None},
            "about_product": (row.get("ProductId") or "").strip() or None,
        })
