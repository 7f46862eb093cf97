"""Shared helpers for integration tests: loading a generated corpus, the API's test keys, and
serving the app on a real socket."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from spacy.language import Language

from kg.graph.driver import create_driver
from kg.graph.schema import init_schema, seed_reference_data
from kg.ontology.mapping import load_mapping
from kg.services.ingest import LoadSummary, load
from kg.settings import Settings
from kg_api.main import MAX_REQUEST_HEAD_BYTES

API_KEYS = {"r": "reader", "a": "analyst", "a2": "analyst", "w": "writer", "adm": "admin"}


def load_corpus(folder: Path, settings: Settings, nlp: Language, dead: Path,
                batch_size: int = 50) -> tuple[LoadSummary, LoadSummary]:
    """Load a generated corpus: the CRM file first, then the interactions."""
    mapping = load_mapping()
    with create_driver(settings) as driver:
        init_schema(driver, settings, mapping)
        seed_reference_data(driver, settings)
        crm = load("crm", [folder / "crm.csv"], driver=driver, settings=settings, nlp=nlp,
                   mapping=mapping, dead_letters=dead.with_suffix(".crm.jsonl"),
                   derive_after=False)
        messages = load("jsonl", [folder / "interactions.jsonl"], driver=driver,
                        settings=settings, nlp=nlp, mapping=mapping, dead_letters=dead,
                        batch_size=batch_size)
    return crm, messages


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning",
                                           h11_max_incomplete_event_size=MAX_REQUEST_HEAD_BYTES))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
