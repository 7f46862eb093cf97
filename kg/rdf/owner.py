"""The mirror's one owner: the process that holds the store writes it and serves its queries.

An on-disk Oxigraph store may be opened for writing by one process only, and opening it
read-only while another process writes it is undefined behaviour. So the process that opens
the store (``kg serve``, or a ``kg load`` when no server runs) is its only writer: a follower
thread applies the change feed as records commit. Queries never read the live store: they read a
snapshot, a checkpoint the owner takes (hard links, milliseconds) when the watermark has moved
since the last one, also while an apply runs (each apply commits at once, so the checkpoint
holds the store from before or after it). A snapshot is never written, so any process may open
it read-only, and a reader never sees a half-applied change.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from pathlib import Path

import neo4j

from kg.errors import GraphError
from kg.graph.driver import create_driver
from kg.ontology.mapping import GraphMapping
from kg.rdf.mirror import MirrorCheck
from kg.rdf.sink import MirrorSink, OxigraphSink
from kg.rdf.sparql_sink import SparqlStoreSink
from kg.rdf.sync import SyncResult, check, last_sequence, prune_applied, rebuild, sync
from kg.settings import Settings

log = logging.getLogger(__name__)
SNAPSHOT_GRACE_SECONDS = 120.0
PRUNE_EVERY = 100  # applied change records between two prunings of the feed


class MirrorBusy(RuntimeError):
    """Another process owns the mirror store."""


def open_sink(path: Path) -> OxigraphSink:
    try:
        return OxigraphSink.open(path)
    except OSError as error:
        raise MirrorBusy(f"the RDF mirror at {path} is owned by another running process "
                         f"(kg serve or a load); it applies the change feed itself") from error


def sink_for(settings: Settings) -> MirrorSink:
    """The configured sink: the embedded store (opened for writing) or a SPARQL server."""
    if settings.mirror_sink == "fuseki":
        return SparqlStoreSink(settings.sparql_store_url)
    return open_sink(settings.rdf_store)


def sync_if_free(driver: neo4j.Driver, settings: Settings, mapping: GraphMapping
                 ) -> SyncResult | None:
    """Bring the mirror up to date when no other process owns it; ``None`` when one does."""
    try:
        sink = open_sink(settings.rdf_store)
    except MirrorBusy:
        return None
    try:
        if sink.applied_sequence() == 0:
            rebuild(sink, driver, settings, mapping)
            return SyncResult(sink.applied_sequence(), 0, rebuilt=True)
        return sync(sink, driver, settings, mapping)
    finally:
        sink.close()


_OWNERS: dict[Path, tuple[MirrorOwner, int]] = {}
_OWNERS_LOCK = threading.Lock()


def acquire_owner(settings: Settings, mapping: GraphMapping) -> MirrorOwner:
    """The owner of this store in this process: created and started on first use, shared by
    every app in the process (one process, one owner), stopped when the last releases it."""
    path = settings.rdf_store.resolve()
    with _OWNERS_LOCK:
        if path in _OWNERS:
            owner, users = _OWNERS[path]
            _OWNERS[path] = (owner, users + 1)
            return owner
        owner = MirrorOwner(create_driver(settings), settings, mapping)
        owner.start()
        _OWNERS[path] = (owner, 1)
        return owner


def owner_in_this_process(settings: Settings) -> MirrorOwner | None:
    with _OWNERS_LOCK:
        found = _OWNERS.get(settings.rdf_store.resolve())
    return found[0] if found else None


def release_owner(owner: MirrorOwner) -> None:
    path = owner.settings.rdf_store.resolve()
    with _OWNERS_LOCK:
        current, users = _OWNERS[path]
        if users > 1:
            _OWNERS[path] = (current, users - 1)
            return
        del _OWNERS[path]
    owner.stop()
    owner.driver.close()


class MirrorOwner:
    """Holds the store, follows the feed in a thread, and hands out query snapshots."""

    def __init__(self, driver: neo4j.Driver, settings: Settings, mapping: GraphMapping, *,
                 poll_seconds: float = 0.2) -> None:
        self.driver, self.settings, self.mapping = driver, settings, mapping
        self.poll_seconds = poll_seconds
        self.sink = open_sink(settings.rdf_store)
        self.applied = self.sink.applied_sequence()
        self.snapshots = settings.rdf_store.with_name(settings.rdf_store.name + ".snapshots")
        shutil.rmtree(self.snapshots, ignore_errors=True)
        # Held while the store is written (an apply, a rebuild) and while it must hold still
        # (a check); never by a waiter or a snapshot, so a wait for a sequence gives up on time
        # and queries are answered even while a long apply runs.
        self._applying = threading.Lock()
        self._changed = threading.Condition()  # guards and signals ``applied``
        self._nudge = threading.Event()
        self._stop = threading.Event()
        self._snapshot_lock = threading.Lock()
        self._snapshot: tuple[int, Path] | None = None
        self._retired: list[tuple[float, Path]] = []
        self._thread = threading.Thread(target=self._follow, name="mirror-writer", daemon=True)
        self.last_error: str | None = None
        self._pruned_to = 0
        self.ready = threading.Event()  # set once the store holds the graph

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._nudge.set()
        self._thread.join(timeout=30)
        with self._snapshot_lock:
            self._snapshot = None
        self.sink.close()
        shutil.rmtree(self.snapshots, ignore_errors=True)

    def rebuild(self) -> int:
        """Refill the store from the graph (``kg rdf rebuild`` while the server runs)."""
        with self._applying:
            count = rebuild(self.sink, self.driver, self.settings, self.mapping)
            applied = self.sink.applied_sequence()
        self._publish(applied)
        return count

    def _publish(self, applied: int) -> None:
        with self._changed:
            self.applied = applied
            self._changed.notify_all()

    def _follow(self) -> None:
        while not self._stop.is_set():
            # Cleared before reading the feed, so a nudge from a write that commits while this
            # pass runs makes the wait below return at once rather than being cleared after it.
            self._nudge.clear()
            try:
                with self._applying:
                    if self.applied == 0 and self.sink.applied_sequence() == 0:
                        rebuild(self.sink, self.driver, self.settings, self.mapping)
                    result = sync(self.sink, self.driver, self.settings, self.mapping,
                                  prune=False)
                    if result.records:
                        self.sink.trim_log(self.settings.rdf_store)
                self._publish(result.applied_to)
                self.ready.set()
                # Pruning is bookkeeping: done after waiting requests are released, and once
                # per PRUNE_EVERY applied records rather than after each (or at once when the
                # watermark went back, after a rebuild from another graph).
                if not 0 <= result.applied_to - self._pruned_to < PRUNE_EVERY:
                    prune_applied(self.driver, self.settings, result.applied_to)
                    self._pruned_to = result.applied_to
                self.last_error = None
            except (GraphError, OSError, ValueError) as error:  # Neo4j away: retry
                self.last_error = str(error)
                log.warning("mirror writer: %s; retrying", error)
            self._nudge.wait(self.poll_seconds)

    def wait_for(self, sequence: int, timeout: float) -> bool:
        """Block until the mirror has applied ``sequence``; False after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        self._nudge.set()
        with self._changed:
            while self.applied < sequence:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._nudge.set()
                self._changed.wait(min(left, self.poll_seconds))
        return True

    def check(self, timeout: float = 60.0) -> MirrorCheck:
        """Wait until the mirror has applied every committed change, then compare it with
        the graph (between two applies, so the store holds still)."""
        last = last_sequence(self.driver, self.settings)
        if not self.wait_for(last, timeout):
            raise TimeoutError(f"the mirror did not reach change {last} in {timeout:g} s")
        with self._applying:
            return check(self.sink, self.driver, self.settings, self.mapping)

    def snapshot(self) -> tuple[int, Path] | None:
        """A read-only checkpoint at the current watermark: (sequence, folder); the last one
        taken while the store is being refilled, ``None`` if there is none yet."""
        with self._snapshot_lock:
            # ``applied`` is published after its update commits, so a backup taken now holds
            # at least that change: the label is a lower bound, which is all a reader needs.
            applied = self.applied
            current = self._snapshot
            if current is None or current[0] < applied:
                self.snapshots.mkdir(parents=True, exist_ok=True)
                folder = self.snapshots / f"at-{applied}-{time.monotonic_ns()}"
                if self.sink.backup(folder):
                    if current is not None:
                        self._retired.append((time.monotonic(), current[1]))
                    current = (applied, folder)
                    self._snapshot = current
            self._drop_old_snapshots()
            return current

    def query_store(self, wait: float) -> Path | None:
        """The folder a query may open read-only (a snapshot at the current watermark), or
        ``None`` when the mirror is still being built after ``wait`` seconds."""
        if not self.ready.wait(wait):
            return None
        current = self.snapshot()
        return None if current is None else current[1]

    def _drop_old_snapshots(self) -> None:
        cutoff = time.monotonic() - max(SNAPSHOT_GRACE_SECONDS,
                                        4 * self.settings.query_timeout_seconds)
        keep = []
        for retired_at, folder in self._retired:
            if retired_at < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
            else:
                keep.append((retired_at, folder))
        self._retired = keep
