"""Call and chat transcripts: plain text with a header and timestamped speaker turns.

::

    # id: call-0042
    # channel: phone            (or chat)
    # customer_phone: +44 20 7946 0958     (or customer_email, customer_id)
    [2024-05-01T10:00:03Z] Customer: My router keeps dropping.
    [2024-05-01T10:00:20Z] Agent: Sorry to hear that, let me check.

Each turn is an interaction; customer turns are inbound, agent turns outbound, and every turn
replies to the one before it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from kg.ingestion.adapters.base import AdapterOptions, Item, Rejected, SourceRef, adapter, build
from kg.ingestion.records import InteractionRecord

HEADER = re.compile(r"^#\s*(\w+)\s*:\s*(.+?)\s*$")
TURN = re.compile(r"^\[(?P<time>[^\]]+)\]\s*(?P<speaker>[^:]{1,40}):\s*(?P<text>.*)$")
CUSTOMER_KEYS = {"customer_phone": "phone", "customer_email": "email", "customer_id": "crm"}


@adapter("transcript")
def read_transcripts(path: Path, options: AdapterOptions) -> Iterator[Item]:
    files = sorted(path.glob("*.txt")) if path.is_dir() else [path]
    for file in files:
        yield from _read_one(file)


def _read_one(file: Path) -> Iterator[Item]:
    header: dict[str, str] = {}
    previous: str | None = None
    turn_number = 0
    for line_number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        ref = SourceRef(file.name, f"line {line_number}")
        if (match := HEADER.match(line)) is not None:
            header[match.group(1).lower()] = match.group(2)
            continue
        match = TURN.match(line)
        if match is None:
            yield Rejected(ref, "turn", "expected '[time] Speaker: text' or '# key: value'")
            continue
        turn_number += 1
        transcript_id = header.get("id", file.stem)
        channel = "chat" if header.get("channel", "phone").lower() == "chat" else "phone"
        customer = not match.group("speaker").strip().lower().startswith(("agent", "advisor"))
        author = next(({"kind": kind, "value": header[key]}
                       for key, kind in CUSTOMER_KEYS.items() if key in header), None)
        source_id = f"{transcript_id}#{turn_number}"
        yield build(ref, InteractionRecord, {
            "source": "transcript", "source_id": source_id,
            "kind": "ChatSession" if channel == "chat" else "Call", "channel": channel,
            "occurred_at": match.group("time"),
            "direction": "inbound" if customer else "outbound",
            "text": match.group("text"), "author": author if customer else None,
            "reply_to": previous, "thread_id": transcript_id,
            "touchpoint": header.get("touchpoint"),
        })
        previous = source_id
