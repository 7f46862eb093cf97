"""Group commit: the concurrent writes of one server process go through a single writer.

Every write locks the change feed's head until it commits, so concurrent requests that each
write and derive on their own queue behind one another's transactions, and every one pays the
same fixed cost (the lock, one round trip per batch statement, the commit, a refresh). Here a
request still builds its own rows (extraction runs in the request's thread) and then hands its
:class:`~kg.ingestion.rows.GraphBatch` to one writer thread. The writer takes everything queued,
writes the batches as one batch and derives them in the same transaction (one lock, one
commit), and only then completes each request: a request returns after its change
is committed and derived, exactly as a write of its own would. Exclusive writes (an erasure) run
alone in their own transaction, in arrival order, and share the refresh that follows (as does a
backlog of other writers' records that one transaction did not derive).

A request builds its rows before its turn comes, so an erasure can commit between the two:
the write itself refuses a batch naming an identity suppressed meanwhile
(:class:`~kg.ingestion.suppression.SuppressedMeanwhile`, checked under the feed lock), the
group is written again batch by batch, and the refused request prepares its batch again, which
sets the erased identity's records aside with their reason like any other.

Batches that write the same interaction never share a transaction: a record sent again replaces
the derived facts of its first version, which only holds when the two are written one after the
other. A group whose combined write fails is written again batch by batch, so a failure belongs
to the request that caused it and never to its neighbours (Neo4j being away is every request's
error: the write was already retried with backoff).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

import neo4j

from kg.derivation.quarantine import DerivationFailed
from kg.derivation.refresh import refresh
from kg.errors import GraphUnavailable
from kg.ingestion.rows import GraphBatch
from kg.ingestion.writer import write_and_derive, write_batch
from kg.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

# A group stops taking batches at this many records; a bigger batch is a group of its own.
GROUP_RECORDS = 500


@dataclass(frozen=True)
class Written:
    """One batch's place in the feed: its change record and when its transaction committed."""

    sequence: int
    committed_at: float  # time.perf_counter()


@dataclass
class _BatchJob:
    batch: GraphBatch
    future: Future[Written] = field(default_factory=Future)

    def interaction_ids(self) -> set[str]:
        return {row["interactionId"] for row in self.batch.rows.get("interactions", [])}


@dataclass
class _ExclusiveJob:
    work: Callable[[], Any]
    future: Future[Any] = field(default_factory=Future)


_Job = _BatchJob | _ExclusiveJob
_STOP = object()


def combined(batches: list[GraphBatch]) -> GraphBatch:
    """One batch holding the rows of all, in order (shared nodes once)."""
    group = GraphBatch()
    for batch in batches:
        group.extend(batch)
    return group


def plan_groups(jobs: list[_Job], max_records: int = GROUP_RECORDS) -> list[list[_Job]]:
    """Consecutive batch jobs joined into groups, in arrival order: a group ends before an
    exclusive job, before a batch that writes an interaction the group already writes, and
    when it would pass ``max_records``."""
    groups: list[list[_Job]] = []
    current: list[_Job] = []
    ids: set[str] = set()
    records = 0
    for job in jobs:
        if isinstance(job, _ExclusiveJob):
            if current:
                groups.append(current)
            groups.append([job])
            current, ids, records = [], set(), 0
            continue
        job_ids = job.interaction_ids()
        if current and (ids & job_ids or records + job.batch.records > max_records):
            groups.append(current)
            current, ids, records = [], set(), 0
        current.append(job)
        ids |= job_ids
        records += job.batch.records
    if current:
        groups.append(current)
    return groups


class GroupWriter:
    """The one writer thread of a server process: batches coalesced, then one refresh."""

    def __init__(self, driver: neo4j.Driver, settings: Settings, *,
                 max_records: int = GROUP_RECORDS) -> None:
        self.driver, self.settings, self.max_records = driver, settings, max_records
        self._queue: queue.Queue[Any] = queue.Queue()
        self._thread = threading.Thread(target=self._drain, name="graph-writer", daemon=True)
        self.groups_written = 0  # transactions that wrote batches (for tests and diagnostics)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Finish what is queued, then end the thread."""
        self._queue.put(_STOP)
        self._thread.join(timeout=60)

    def write(self, batch: GraphBatch) -> Written:
        """Write the batch with whatever else is queued; returns once it is derived."""
        job = _BatchJob(batch)
        self._queue.put(job)
        return job.future.result()

    def exclusive(self, work: Callable[[], T]) -> T:
        """Run a write of its own transaction (an erasure) in turn; returns once derived."""
        job = _ExclusiveJob(work)
        self._queue.put(job)
        result: T = job.future.result()
        return result

    def _drain(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            jobs: list[_Job] = [first]
            stopping = False
            while True:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP:
                    stopping = True
                    break
                jobs.append(more)
            try:
                self._run(jobs)
            except Exception as error:  # never leave a request waiting for ever
                log.exception("graph writer failed")
                for job in jobs:
                    if not job.future.done():
                        job.future.set_exception(error)
            if stopping:
                return

    def _run(self, jobs: list[_Job]) -> None:
        outcomes: list[tuple[Future[Any], Any]] = []
        settled = True  # nothing left pending: the last group derived every pending record
        for group in plan_groups(jobs, self.max_records):
            written, settled = self._write_group(group)
            outcomes += written
        if not any(not isinstance(value, BaseException) for _, value in outcomes):
            self._complete(outcomes)
            return
        if not settled:
            try:
                refresh(self.driver, self.settings)
            except Exception as error:  # every write of the group waits for this refresh
                log.warning("graph writer: refresh failed: %s", error)
                outcomes = [(future, value if isinstance(value, BaseException) else error)
                            for future, value in outcomes]
        self._complete(outcomes)

    def _write_group(self, group: list[_Job]) -> tuple[list[tuple[Future[Any], Any]], bool]:
        """The group's outcomes, and whether it left nothing pending to derive."""
        first = group[0]
        if isinstance(first, _ExclusiveJob):
            try:
                return [(first.future, first.work())], False
            except Exception as error:
                return [(first.future, error)], False
        return self._write_batches([job for job in group if isinstance(job, _BatchJob)])

    def _write_batches(self, batches: list[_BatchJob], *, derive: bool = True
                       ) -> tuple[list[tuple[Future[Any], Any]], bool]:
        group = combined([job.batch for job in batches])
        try:
            if derive:
                sequence, drained = write_and_derive(self.driver, self.settings, group)
            else:
                sequence, drained = write_batch(self.driver, self.settings, group), False
        except DerivationFailed:
            # The write itself was sound; deriving failed (on these records or on an older
            # pending one). Written without deriving, the refresh that follows quarantines the
            # record that fails, and every request's write stands.
            return self._write_batches(batches, derive=False)
        except GraphUnavailable as error:  # already retried; every request gets the error
            return [(job.future, error) for job in batches], False
        except Exception as error:
            if len(batches) == 1:
                return [(batches[0].future, error)], False
            # Written again one by one: the error stays with the batch that caused it.
            return [outcome for job in batches
                    for outcome in self._write_batches([job], derive=derive)[0]], False
        self.groups_written += 1
        written = Written(sequence, time.perf_counter())
        return [(job.future, written) for job in batches], drained

    @staticmethod
    def _complete(outcomes: list[tuple[Future[Any], Any]]) -> None:
        for future, value in outcomes:
            if isinstance(value, BaseException):
                future.set_exception(value)
            else:
                future.set_result(value)
