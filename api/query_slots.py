"""How many analyst queries one API key may have running at once.

A Cypher query holds an API worker thread and a Neo4j transaction until it ends, which is at
the timeout at the latest. Without a limit, one key sending queries in a loop holds every
thread and every core while the others wait; with it, the key's next query is a 429 at once
and everyone else's requests are served.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager


class TooMany(Exception):
    """This key already has its limit of queries running (429); the message says so."""


class PerKeySlots:
    """At most ``limit`` holders per key at once; a holder over the limit is refused, not
    queued (a queued request would hold a thread all the same)."""

    def __init__(self, limit: int, what: str = "queries") -> None:
        self.limit = limit
        self.what = what
        self.running: Counter[str] = Counter()
        self.lock = threading.Lock()

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        """One slot of ``key`` for the ``with`` block; :class:`TooMany` when none is free."""
        with self.lock:
            if self.running[key] >= self.limit:
                raise TooMany(f"this API key already has {self.limit} {self.what} running "
                              "(KG_QUERY_CONCURRENT_PER_KEY); wait for one to finish")
            self.running[key] += 1
        try:
            yield
        finally:
            with self.lock:
                self.running[key] -= 1
                if not self.running[key]:
                    del self.running[key]
