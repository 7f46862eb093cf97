"""Customer Support on Twitter (``twcs``) rows: customer tweets and brand replies in threads.

Customers' ``author_id`` values are anonymised numbers; brand accounts are names. ``inbound``
is ``True`` for customer tweets. ``response_tweet_id`` may hold several ids; the thread is
rebuilt from ``in_response_to_tweet_id``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
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

TIME_FORMAT = "%a %b %d %H:%M:%S %z %Y"


@adapter("twcs")
def read_twcs(path: Path, options: AdapterOptions) -> Iterator[Item]:
    for line, row in csv_rows(path):
        ref = SourceRef(path.name, f"line {line} (tweet {row.get('tweet_id', '?')})")
        try:
            occurred = datetime.strptime(row["created_at"], TIME_FORMAT)
        except (KeyError, ValueError) as error:
            yield Rejected(ref, "created_at", f"not a tweet time: {error}")
            continue
        inbound = row.get("inbound") == "True"
        parent = (row.get("in_response_to_tweet_id") or "").strip() or None
        author = row.get("author_id", "").strip()
        yield build(ref, InteractionRecord, {
            "source": "twcs", "source_id": row.get("tweet_id", "").strip(),
            "kind": "Reply" if parent else "Post", "channel": "twitter",
            "occurred_at": occurred.isoformat(),
            "direction": "inbound" if inbound else "outbound",
            "text": row.get("text", ""),
            "author": {"kind": "handle", "network": "twitter", "value": author}
            if inbound and author else None,
            "touchpoint": None if inbound else f"twitter:{author}",
            "reply_to": parent,
        })
