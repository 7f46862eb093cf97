"""Writing one graph batch to Neo4j in one transaction, retried with backoff.

A batch is all or nothing: if Neo4j goes away mid-batch the transaction rolls back, the batch
is retried with exponential backoff, and after the last attempt the load stops with a clear
error. Nothing of a failed batch stays in the graph.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import neo4j
from neo4j import exceptions as neo4j_errors

from kg.errors import GraphUnavailable
from kg.graph import queries
from kg.graph.driver import graph_errors
from kg.loading.rows import GraphBatch
from kg.settings import Settings

RETRYABLE = (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired,
             neo4j_errors.TransientError, OSError)


def _write(tx: neo4j.ManagedTransaction, batch: GraphBatch) -> None:
    for name, statement in queries.BATCH_STATEMENTS:
        rows = batch.rows.get(name)
        if rows:
            tx.run(statement, rows=rows).consume()


def write_batch(driver: neo4j.Driver, settings: Settings, batch: GraphBatch, *,
                attempts: int = 5, first_wait: float = 1.0,
                sleep: Callable[[float], Any] = time.sleep) -> None:
    wait = first_wait
    for attempt in range(1, attempts + 1):
        try:
            with graph_errors(settings.neo4j_uri), driver.session(
                database=settings.neo4j_database
            ) as session:
                session.execute_write(_write, batch)
            return
        except GraphUnavailable as error:
            if attempt == attempts:
                raise GraphUnavailable(
                    f"{error}; gave up after {attempts} attempts. The batch was not written; "
                    "run the same load again when Neo4j is back (it resumes safely)"
                ) from error
            sleep(wait)
            wait *= 2
