"""Twitter customer-care conversations (JSON): each turn of a conversation is an interaction.

A turn carries ``client`` (or ``client1``) for the customer's handle or ``agent`` for the
brand; consecutive turns form the reply chain.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from kg.ingestion.adapters.base import AdapterOptions, Item, Rejected, SourceRef, adapter, build
from kg.ingestion.records import InteractionRecord


@adapter("twitter_care")
def read_conversations(path: Path, options: AdapterOptions) -> Iterator[Item]:
    try:
        conversations = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        yield Rejected(SourceRef(path.name, "file"), "file", f"not valid JSON: {error}")
        return
    for number, conversation in enumerate(conversations, start=1):
        header = conversation.get("dialogHeader", {})
        company = header.get("company")
        previous: str | None = None
        for turn_number, turn in enumerate(conversation.get("dialogContent", []), start=1):
            ref = SourceRef(path.name, f"conversation {number} turn {turn_number}")
            customer = turn.get("client") or turn.get("client1")
            tweet_id = str(turn.get("tweet_ID") or "")
            item = build(ref, InteractionRecord, {
                "source": "twitter_care", "source_id": tweet_id,
                "kind": "Reply" if previous else "Post", "channel": "twitter",
                "occurred_at": turn.get("datetime"),
                "direction": "inbound" if customer else "outbound",
                "text": turn.get("message", ""),
                "author": {"kind": "handle", "network": "twitter", "value": customer}
                if customer else None,
                "touchpoint": f"twitter:{company}" if company else None,
                "reply_to": previous, "thread_id": header.get("sessionID"),
            })
            yield item
            previous = tweet_id or previous
