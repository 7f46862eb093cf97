"""Running SPARQL queries over the RDF mirror where a query that runs too long can be stopped.

A query is handed to a :class:`QueryRunner`: ``run(query, accept, timeout)`` returns the
serialised result and its media type. Today's runner, :class:`ProcessQueryRunner`, runs each
query in a worker process over a snapshot of the store (a checkpoint the mirror's owner takes,
which no process writes, so opening it read-only is safe) and kills the worker at the timeout, so a
timed-out query stops using CPU (a thread cannot be stopped; Oxigraph does not check for
cancellation). The interface is small so that a runner that asks the store's owning process
can take its place.

Fairness: at most ``workers`` queries run at once and at most one per caller, so one analyst's
runaway queries cannot hold every worker.
"""

from __future__ import annotations

import multiprocessing
import resource
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any, Protocol, cast

from kg.rdf.csv_safety import neutralise_csv

RESULT_FORMATS = {
    "application/sparql-results+json": "JSON",
    "application/json": "JSON",
    "application/sparql-results+xml": "XML",
    "application/xml": "XML",
    "text/csv": "CSV",
    "text/tab-separated-values": "TSV",
}
GRAPH_FORMATS = {
    "text/turtle": "TURTLE",
    "application/ld+json": "JSON_LD",
    "application/n-triples": "N_TRIPLES",
}
UPDATE_WORDS = ("insert", "delete", "load ", "clear", "drop ", "create ", "add ", "move ",
                "copy ")


class QueryError(Exception):
    """Base of what a runner reports; the message is meant for the analyst."""


class BadQuery(QueryError):
    """The query does not parse (400)."""


class UpdateRefused(QueryError):
    """The query is an update (403)."""


class QueryTimeout(QueryError):
    """The query ran over its time and was stopped (504)."""


class ResultTooLarge(QueryError):
    """The serialised result is over the byte cap (400: narrow the query)."""


class Busy(QueryError):
    """Every worker is taken, or this caller already has a query running (429/503)."""


class MirrorMissing(QueryError):
    """The store has not been built (503)."""


class QueryRunner(Protocol):
    def run(self, query: str, accept: str, timeout: float, caller: str = "") -> tuple[bytes,
                                                                                      str]:
        """The serialised result and its media type; raises a :class:`QueryError`."""
        ...


def negotiate(accept: str, table: dict[str, str], default: str) -> tuple[str, str]:
    for part in accept.split(","):
        media = part.split(";")[0].strip()
        if media in table:
            return media, table[media]
    return default, table[default]


class _CappedBuffer:
    """A binary sink that refuses to grow past ``cap`` bytes."""

    def __init__(self, cap: int) -> None:
        self.cap, self.size = cap, 0
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.cap:
            raise ResultTooLarge(f"the result is over {self.cap:,} bytes "
                                 "(KG_API_MAX_RESPONSE_BYTES): narrow the query or add LIMIT")
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def execute(store_path: str, query: str, accept: str, max_bytes: int) -> tuple[bytes, str]:
    """Run one query on the store at ``store_path`` (in whichever process calls it)."""
    import pyoxigraph as ox

    store = ox.Store.read_only(store_path)
    try:
        results = store.query(query, use_default_graph_as_union=True)
    except SyntaxError as error:
        if any(word in query.lower() for word in UPDATE_WORDS):
            raise UpdateRefused("SPARQL updates are refused: this endpoint is read-only") \
                from error
        raise BadQuery(f"bad SPARQL query: {error}") from error
    capped = _CappedBuffer(max_bytes)
    sink = cast(IO[bytes], capped)
    try:
        if isinstance(results, ox.QueryBoolean | ox.QuerySolutions):
            media, name = negotiate(accept, RESULT_FORMATS, "application/sparql-results+json")
            results.serialize(sink, format=getattr(ox.QueryResultsFormat, name))
        else:
            media, name = negotiate(accept, GRAPH_FORMATS, "text/turtle")
            ox.serialize(results, sink, format=getattr(ox.RdfFormat, name))
    except Exception as error:
        if capped.size > capped.cap:  # the sink's refusal, as the engine passed it on
            raise ResultTooLarge(f"the result is over {capped.cap:,} bytes "
                                 "(KG_API_MAX_RESPONSE_BYTES): narrow the query or add LIMIT") \
                from error
        raise
    payload = b"".join(capped.parts)
    if media == "text/csv":
        payload = neutralise_csv(payload)
    return payload, media


def _worker(connection: Connection, store_path: str, query: str, accept: str,
            max_bytes: int, max_memory: int) -> None:
    # The worker's own memory cap: a query that builds a huge intermediate result fails here
    # (an allocation error ends the process) instead of taking the machine's memory.
    resource.setrlimit(resource.RLIMIT_DATA, (max_memory, max_memory))
    try:
        connection.send(("ok", *execute(store_path, query, accept, max_bytes)))
    except QueryError as error:
        connection.send((type(error).__name__, str(error), ""))
    except Exception as error:
        connection.send(("BadQuery", f"the query failed: {error}", ""))
    finally:
        connection.close()


ERRORS: dict[str, type[QueryError]] = {cls.__name__: cls for cls in (
    BadQuery, UpdateRefused, QueryTimeout, ResultTooLarge, Busy, MirrorMissing)}


class ProcessQueryRunner:
    """Each query in a worker process (from a fork server) that is killed at the timeout."""

    def __init__(self, store: Callable[[float], Path | None], *, workers: int,
                 max_bytes: int, max_memory: int = 3 * 1024 ** 3) -> None:
        self.store = store
        self.max_bytes = max_bytes
        self.max_memory = max_memory
        self.slots = threading.BoundedSemaphore(workers)
        self.callers: set[str] = set()
        self.lock = threading.Lock()
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(["pyoxigraph", "kg.rdf.query_runner"])

    @contextmanager
    def _slot(self, caller: str, timeout: float) -> Iterator[float]:
        with self.lock:
            if caller and caller in self.callers:
                raise Busy("you already have a SPARQL query running; wait for it to finish")
            self.callers.add(caller)
        try:
            began = time.monotonic()
            if not self.slots.acquire(timeout=timeout):
                raise Busy("every SPARQL worker is busy; try again shortly")
            try:
                yield max(0.0, timeout - (time.monotonic() - began))
            finally:
                self.slots.release()
        finally:
            with self.lock:
                self.callers.discard(caller)

    def run(self, query: str, accept: str, timeout: float, caller: str = "") -> tuple[bytes,
                                                                                      str]:
        store_path = self.store(timeout)
        if store_path is None:
            raise MirrorMissing("the RDF mirror is being built from the graph; try again in a "
                                "moment")
        with self._slot(caller, timeout) as remaining:
            receiver, sender = self.context.Pipe(duplex=False)
            process = self.context.Process(
                target=_worker, args=(sender, str(store_path), query, accept,
                                      self.max_bytes, self.max_memory), daemon=True)
            process.start()
            sender.close()
            try:
                if not receiver.poll(remaining):
                    raise QueryTimeout(f"the query ran over {timeout:g} s and was stopped")
                try:
                    message: tuple[Any, ...] = receiver.recv()
                except EOFError as error:
                    raise BadQuery(
                        "the query stopped the worker that ran it: it may have needed more "
                        f"than the {self.max_memory // 2 ** 20:,} MiB a SPARQL worker may use "
                        "(KG_SPARQL_WORKER_MAX_MEMORY); narrow it") from error
            finally:
                if process.is_alive():
                    process.kill()
                process.join()
                receiver.close()
        status, payload, media = message
        if status == "ok":
            return bytes(payload), str(media)
        raise ERRORS.get(status, BadQuery)(str(payload))
