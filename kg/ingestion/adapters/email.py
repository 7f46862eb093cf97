"""Email: ``.eml`` files (or a folder of them) and ``mbox`` files.

The sender is the author identity (with the display name); ``Message-ID`` is the record id and
``In-Reply-To`` the reply chain. Mail from an address in ``company_domains`` (adapter option,
e.g. ``{"company_domains": ["acme.com"]}`` in a ``--mapping`` JSON) is outbound.
"""

from __future__ import annotations

import json
import mailbox
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from kg.ingestion.adapters.base import AdapterOptions, Item, Rejected, SourceRef, adapter, build
from kg.ingestion.records import InteractionRecord


def _company_domains(options: AdapterOptions) -> set[str]:
    if options.mapping is None:
        return set()
    data = json.loads(options.mapping.read_text(encoding="utf-8"))
    return {d.lower() for d in data.get("company_domains", [])}


def _body(message: Message) -> str:
    if isinstance(message, EmailMessage):
        part = message.get_body(preferencelist=("plain", "html"))
        if part is not None:
            return str(part.get_content()).strip()
    payload = message.get_payload(decode=True)
    return payload.decode("utf-8", "replace").strip() if isinstance(payload, bytes) else ""


def _record(message: Message, ref: SourceRef, domains: set[str]) -> Item:
    senders = getaddresses([str(message.get("From", ""))])
    name, address = senders[0] if senders else ("", "")
    if not address:
        return Rejected(ref, "From", "no sender address")
    try:
        occurred = parsedate_to_datetime(str(message.get("Date", "")))
    except (TypeError, ValueError):
        return Rejected(ref, "Date", f"not an email date: {message.get('Date')!r}")
    message_id = str(message.get("Message-ID", "")).strip().strip("<>")
    outbound = address.rsplit("@", 1)[-1].lower() in domains
    reply_to = str(message.get("In-Reply-To", "")).strip().strip("<>") or None
    return build(ref, InteractionRecord, {
        "source": "email", "source_id": message_id, "kind": "EmailMessage",
        "channel": "email", "occurred_at": occurred.isoformat(),
        "direction": "outbound" if outbound else "inbound",
        "text": _body(message), "subject": str(message.get("Subject", "")) or None,
        "author": None if outbound else {"kind": "email", "value": address,
                                         "display_name": name or None},
        "touchpoint": f"email:{address.lower()}" if outbound else None,
        "reply_to": reply_to,
    })


@adapter("email")
def read_email(path: Path, options: AdapterOptions) -> Iterator[Item]:
    domains = _company_domains(options)
    files = sorted(path.glob("*.eml")) if path.is_dir() else [path]
    for file in files:
        if file.suffix.lower() == ".eml":
            with file.open("rb") as handle:
                message: Message = BytesParser(policy=policy.default).parse(handle)
            yield _record(message, SourceRef(file.name, "message"), domains)
        else:
            box = mailbox.mbox(file, create=False)
            try:
                for number, raw in enumerate(box, start=1):
                    parsed = BytesParser(policy=policy.default).parsebytes(raw.as_bytes())
                    yield _record(parsed, SourceRef(file.name, f"message {number}"), domains)
            finally:
                box.close()
