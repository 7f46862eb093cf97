"""The one place a Neo4j driver is created, and where driver errors become the product's own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final, LiteralString

import neo4j
from neo4j import exceptions as neo4j_errors

from kg.errors import (
    ConstraintViolation,
    GraphAuthError,
    GraphError,
    GraphRequestError,
    GraphUnavailable,
)
from kg.neo4j_local.config import local_password  # the local server is one option among many
from kg.settings import Settings

PING: Final[LiteralString] = "RETURN 1 AS ok"


def create_driver(settings: Settings, *, wait_seconds: float | None = None) -> neo4j.Driver:
    """A driver for the configured server; the local install's password is used when unset.

    The driver's own retries (``execute_write``/``execute_query``, with exponential backoff)
    are the product's one retry layer: ``wait_seconds`` bounds them, and connecting and
    waiting for a pooled connection too (default ``KG_NEO4J_RETRY_SECONDS``; the API passes
    ``KG_API_GRAPH_WAIT_SECONDS`` so a request answers 503 in bounded time)."""
    if settings.neo4j_password is not None:
        password = settings.neo4j_password.get_secret_value()
    else:
        password = local_password(settings)
    wait = settings.neo4j_retry_seconds if wait_seconds is None else wait_seconds
    return neo4j.GraphDatabase.driver(
        settings.neo4j_uri, auth=(settings.neo4j_user, password),
        max_transaction_retry_time=wait,
        connection_timeout=min(30.0, wait),
        connection_acquisition_timeout=max(2 * wait, 1.0),
        notifications_min_severity="OFF",
    )


def graph_answers(driver: neo4j.Driver, settings: Settings) -> bool:
    """Whether Neo4j answers a trivial query now: one attempt, no retries (a health check
    must be quick, and must not wait out the driver's retry time)."""
    try:
        with driver.session(database=settings.neo4j_database) as session:
            session.run(neo4j.Query(PING, timeout=5.0)).consume()
    except (neo4j_errors.DriverError, neo4j_errors.Neo4jError, OSError):
        return False
    return True


@contextmanager
def graph_errors(uri: str) -> Iterator[None]:
    """Translate driver exceptions into errors that say what to do."""
    try:
        yield
    except neo4j_errors.AuthError as error:
        raise GraphAuthError(
            f"Neo4j at {uri} refused the user name or password ({error.message}); "
            "check KG_NEO4J_USER and KG_NEO4J_PASSWORD"
        ) from error
    except neo4j_errors.ConstraintError as error:
        raise ConstraintViolation(f"a uniqueness constraint refused the write: {error.message}") \
            from error
    except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired, OSError) as error:
        raise GraphUnavailable(
            f"Neo4j at {uri} cannot be reached ({error}); is it running? "
            "(`kg neo4j status`, or check KG_NEO4J_URI)"
        ) from error
    except neo4j_errors.ClientError as error:
        if (error.code or "").startswith(("Neo.ClientError.Request.",
                                          "Neo.ClientError.Statement.ArgumentError",
                                          "Neo.ClientError.Statement.TypeError")):
            raise GraphRequestError(f"Neo4j refused a value: {error.message}") from error
        raise GraphError(f"Neo4j error {error.code}: {error.message}") from error
    except neo4j_errors.Neo4jError as error:
        raise GraphError(f"Neo4j error {error.code}: {error.message}") from error


def run_query(
    driver: neo4j.Driver,
    settings: Settings,
    query: LiteralString,
    parameters: dict[str, Any] | None = None,
    *,
    write: bool = False,
) -> list[dict[str, Any]]:
    """Run one named statement with parameters and return its rows as dicts."""
    routing = neo4j.RoutingControl.WRITE if write else neo4j.RoutingControl.READ
    with graph_errors(settings.neo4j_uri):
        records, _, _ = driver.execute_query(
            query, parameters or {}, database_=settings.neo4j_database, routing_=routing
        )
    return [record.data() for record in records]


def write_rows(tx: neo4j.ManagedTransaction, statement: LiteralString,
               **rows: list[Any]) -> None:
    """Run a statement that ``UNWIND``s its one list parameter, or skip it when the list is
    empty: an empty ``UNWIND`` writes nothing, but its round trip still costs about a
    millisecond, and a live write's refresh has several of them."""
    ((name, values),) = rows.items()
    if values:
        tx.run(statement, {name: values}).consume()


def native(value: Any) -> Any:
    """A Neo4j temporal value as Python's (``datetime``, ``date``, ``timedelta``), nested
    lists and maps too; anything else as it is."""
    if hasattr(value, "to_native"):
        return value.to_native()
    if isinstance(value, list):
        return [native(item) for item in value]
    if isinstance(value, dict):
        return {key: native(item) for key, item in value.items()}
    return value
