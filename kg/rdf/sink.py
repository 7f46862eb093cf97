"""Where the mirror is written: a small interface, and the embedded Oxigraph store.

A sink takes SPARQL 1.1 Update requests, each applied atomically (all or nothing), reports
the watermark it holds, answers queries, and can be refilled whole. Anything that speaks SPARQL
1.1 Query and Update can be one; the embedded Oxigraph store is the default.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from kg.ontology.files import OntologyFiles, default_ontology_dir
from kg.rdf.mirror import APPLIED_SEQUENCE, DATA_GRAPH, FEED_GRAPH, ONTOLOGY_GRAPH

CHUNK = 50_000


class MirrorSink(Protocol):
    """The one thing the mirror writer needs from a triple store."""

    def applied_sequence(self) -> int:
        """The sequence number of the last change record applied (0: none)."""
        ...

    def update(self, request: str) -> None:
        """Apply one SPARQL Update request atomically."""
        ...

    def replace_all(self, quads: Iterable[ox.Quad], sequence: int) -> int:
        """Replace the data graph with these facts (quads of the data graph) and set the
        watermark; returns the count."""
        ...

    def data_triples(self) -> Iterable[ox.Triple]:
        """Every triple of the data graph (for ``kg rdf check``)."""
        ...


def watermark_update(sequence: int) -> str:
    return (f"DELETE WHERE {{ GRAPH {FEED_GRAPH} {{ {DATA_GRAPH} {APPLIED_SEQUENCE} ?n }} }} ;\n"
            f"INSERT DATA {{ GRAPH {FEED_GRAPH} {{ {DATA_GRAPH} {APPLIED_SEQUENCE} "
            f"{sequence} }} }}")


# A write-ahead log past this is flushed (a few seconds of a busy server's applies).
MAX_WAL_BYTES = 64 * 1024 * 1024
KEEP_INFO_LOGS = 2


class OxigraphSink:
    """The embedded on-disk store. Only the process that opened it may write or read it."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        # Held while the store is refilled, which is not one transaction; a backup waits for
        # it. Updates need no such lock: each commits at once, and a backup taken meanwhile
        # holds the store as it was before or after (RocksDB checkpoints are consistent).
        self._refilling = threading.Lock()

    @classmethod
    def open(cls, path: Path) -> OxigraphSink:
        """Open for writing; raises OSError when another process holds the store."""
        path.parent.mkdir(parents=True, exist_ok=True)
        sink = cls(ox.Store(str(path)))
        # RocksDB starts a new info log at every open and keeps the old ones for ever.
        for old in sorted(path.glob("LOG.old.*"))[:-KEEP_INFO_LOGS]:
            old.unlink(missing_ok=True)
        return sink

    def write_ahead_log_bytes(self, path: Path) -> int:
        """The store's write-ahead log files (``*.log``) in ``path``, its folder."""
        return sum(f.stat().st_size for f in path.glob("*.log") if f.is_file())

    def trim_log(self, path: Path, max_bytes: int = MAX_WAL_BYTES) -> bool:
        """Flush the memtables when the write-ahead log passed ``max_bytes``, so RocksDB can
        drop it: otherwise it grows for as long as the store stays open (a server under a
        steady load, a gigabyte within hours), and every query snapshot copies it."""
        if self.write_ahead_log_bytes(path) <= max_bytes:
            return False
        self.store.flush()
        return True

    def close(self) -> None:
        """Release the store (and its lock): the object is unusable afterwards."""
        self.store.flush()
        del self.store

    def applied_sequence(self) -> int:
        for quad in self.store.quads_for_pattern(DATA_GRAPH, APPLIED_SEQUENCE, None,
                                                 FEED_GRAPH):
            value = quad.object
            assert isinstance(value, ox.Literal)
            return int(value.value)
        return 0

    def update(self, request: str) -> None:
        self.store.update(request)

    def backup(self, folder: Path) -> bool:
        """A consistent read-only copy (hard links), even while an update runs; False, and no
        copy, while a refill runs or when the store holds no whole graph (a refill that failed
        halfway leaves it without its watermark, which a refill writes last)."""
        if not self._refilling.acquire(blocking=False):
            return False
        try:
            if self.applied_sequence() == 0:
                return False
            self.store.backup(str(folder))
            return True
        finally:
            self._refilling.release()

    def replace_all(self, quads: Iterable[ox.Quad], sequence: int) -> int:
        with self._refilling:
            return self._replace_all(quads, sequence)

    def _replace_all(self, quads: Iterable[ox.Quad], sequence: int) -> int:
        # Not one transaction: readers query a backup taken before or after.
        self.store.clear()
        count = 0
        chunk: list[ox.Quad] = []
        for quad in quads:
            chunk.append(quad)
            if len(chunk) >= CHUNK:
                self.store.bulk_extend(chunk)
                count += len(chunk)
                chunk = []
        self.store.bulk_extend(chunk)
        count += len(chunk)
        for path in OntologyFiles(default_ontology_dir()).vocabulary():
            self.store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE,
                                 to_graph=ONTOLOGY_GRAPH)
        self.store.update(watermark_update(sequence))
        self.store.flush()
        return count

    def data_triples(self) -> Iterable[ox.Triple]:
        return (ox.Triple(q.subject, q.predicate, q.object)
                for q in self.store.quads_for_pattern(None, None, None, DATA_GRAPH))
