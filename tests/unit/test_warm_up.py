"""The server's start-up rehearsal: what it writes, and that it never holds a start back."""

import neo4j
import pytest

from kg.graph.driver import create_driver
from kg.ingestion.statements import BATCH_STATEMENTS
from kg.ontology.mapping import load_mapping
from kg.services.warm_up import conversation, warm_up
from kg.settings import Settings
from tests.integration.support import free_port


def test_the_rehearsed_conversation_runs_every_batch_statement() -> None:
    """A batch statement the rehearsal leaves out would be planned by the first real write."""
    batch = conversation(Settings(), load_mapping())
    names = [name for name, _ in BATCH_STATEMENTS]
    assert [name for name in names if not batch.rows.get(name)] == []
    assert set(batch.rows) == set(names)  # and nothing the write path does not run
    assert batch.records == 2


def test_a_neo4j_that_is_away_is_logged_and_the_start_goes_on(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The rehearsal stops at the connectivity check: a transaction would be retried for
    KG_NEO4J_RETRY_SECONDS and hold the server's start that long."""
    settings = Settings(neo4j_uri=f"bolt://127.0.0.1:{free_port()}", neo4j_password="unused",
                        neo4j_retry_seconds=30.0)
    with create_driver(settings) as driver:
        def no_session(*args: object, **kwargs: object) -> neo4j.Session:
            raise AssertionError("a session was opened on a graph that is away")

        monkeypatch.setattr(driver, "session", no_session)
        done = warm_up(driver, settings, load_mapping())
    assert not done.statements_planned
    assert "cannot be reached" in caplog.text and "the first write will plan them" in caplog.text
