"""Assembles the FastAPI app; the driver and the pipeline are created in the lifespan or on
first use, never at import time."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, TypeVar

import anyio.to_thread
import orjson
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import Response
from neo4j import exceptions as neo4j_errors

from kg import __version__
from kg.errors import GraphError, GraphRequestError, GraphUnavailable
from kg.graph.driver import create_driver, graph_answers
from kg.ingestion.group_commit import GroupWriter
from kg.ontology.mapping import load_mapping
from kg.rdf.owner import acquire_owner, release_owner
from kg.rdf.query_runner import ProcessQueryRunner
from kg.services.warm_up import warm_up
from kg.settings import Settings, load_settings, memory_bytes
from kg_api.body_guard import BodyGuard
from kg_api.graph_availability import RETRY_AFTER_SECONDS, FailFastWhileAway, GraphAvailability
from kg_api.query_slots import PerKeySlots
from kg_api.routes import (
    concepts,
    consents,
    customers,
    insights,
    labels,
    query,
    records,
    search,
    session,
    suggestions,
)
from kg_api.webapp import mount_web_app

if TYPE_CHECKING:
    from spacy.language import Language

# The HTTP server's limit on a request's line and headers: a GET /sparql query may be 20,000
# characters, up to 12 bytes each once percent-encoded; beyond the limit the server would drop
# the connection instead of answering.
MAX_REQUEST_HEAD_BYTES = 256 * 1024
log = logging.getLogger(__name__)
T = TypeVar("T")


def json_response(content: dict[str, str], status_code: int = 200) -> Response:
    """A body the app writes itself (errors, health), encoded by orjson like every other
    JSON the API builds by hand; route results go through their response models."""
    return Response(orjson.dumps(content), status_code=status_code,
                    media_type="application/json")


def _pipeline(settings: Settings) -> Language:
    """The extraction pipeline, imported and built on first ingestion only: a process that
    serves reads never loads spaCy, its models or their numerical libraries."""
    from kg.extraction.pipeline import build_pipeline
    return build_pipeline(settings)


def _built_once(build: Callable[[], T]) -> Callable[[], T]:
    """``build()`` run by the first caller only; concurrent first callers wait for it rather
    than each building a pipeline of their own (seconds of CPU each, right after a start)."""
    lock = threading.Lock()
    built: list[T] = []

    def get() -> T:
        if not built:
            with lock:
                if not built:
                    built.append(build())
        return built[0]
    return get


def create_app(settings: Settings | None = None) -> FastAPI:
    resolved = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = resolved
        app.state.driver = create_driver(resolved, wait_seconds=resolved.api_graph_wait_seconds)
        app.state.nlp = _built_once(lambda: _pipeline(resolved))  # on first ingestion
        app.state.mirror = acquire_owner(resolved, load_mapping())
        app.state.writer = GroupWriter(app.state.driver, resolved)
        app.state.writer.start()
        if resolved.api_warm_up:  # before the first request, which would plan them instead
            await anyio.to_thread.run_sync(warm_up, app.state.driver, resolved, load_mapping())
        app.state.cypher_slots = PerKeySlots(resolved.query_concurrent_per_key,
                                             "Cypher queries")
        app.state.sparql = ProcessQueryRunner(
            app.state.mirror.query_store, workers=resolved.sparql_workers,
            max_bytes=resolved.api_max_response_bytes,
            max_memory=memory_bytes(resolved.sparql_worker_max_memory))
        try:
            yield
        finally:
            app.state.writer.stop()
            release_owner(app.state.mirror)
            app.state.driver.close()

    # /docs is served from the built web app (kg_api.webapp), not FastAPI's CDN page; no ReDoc.
    app = FastAPI(title="Customer knowledge graph", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None,
                  description="Correlated 360° customer views, concept correlations, read-only "
                              "Cypher and SPARQL over the customer knowledge graph. Send an API "
                              "key in the X-API-Key header.")
    if resolved.api_cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=resolved.api_cors_origins,
                           allow_methods=["GET", "POST", "DELETE"], allow_headers=["*"])

    app.add_middleware(BodyGuard, settings=resolved)

    availability = GraphAvailability()
    app.state.graph_availability = availability
    app.add_middleware(FailFastWhileAway, availability=availability)

    def graph_unavailable(error: Exception) -> Response:
        """503 with Retry-After, and nothing about the server's internals (its address, the
        driver's error): those go to the log. Opens the window in which requests needing
        Neo4j are answered 503 at once (:mod:`kg_api.graph_availability`)."""
        log.warning("Neo4j unavailable: %s", error)
        availability.note_away()
        response = json_response({"detail": "the graph database is unavailable; retry later"},
                                 status_code=503)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.exception_handler(GraphUnavailable)
    async def unavailable(request: Request, error: GraphUnavailable) -> Response:
        return graph_unavailable(error)

    # A driver error a route did not translate (a session opened by hand, say): Neo4j is away.
    @app.exception_handler(neo4j_errors.ServiceUnavailable)
    @app.exception_handler(neo4j_errors.SessionExpired)
    async def driver_unavailable(request: Request, error: Exception) -> Response:
        return graph_unavailable(error)

    @app.exception_handler(GraphRequestError)
    async def bad_value(request: Request, error: GraphRequestError) -> Response:
        return json_response({"detail": str(error)}, status_code=400)

    @app.exception_handler(GraphError)
    async def graph_error(request: Request, error: GraphError) -> Response:
        return json_response({"detail": str(error)}, status_code=500)

    @app.get("/health", tags=["health"], summary="Whether the API and its Neo4j answer")
    def health(request: Request) -> Response:
        """One attempt without retries, so the answer is quick either way; unauthenticated,
        so it says whether Neo4j answers and nothing else."""
        if not graph_answers(request.app.state.driver, request.app.state.settings):
            response = json_response({"status": "degraded", "neo4j": "unavailable"},
                                     status_code=503)
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        return json_response({"status": "ok", "neo4j": "ok", "version": __version__})

    for router in (customers.router, consents.router, records.router, concepts.router,
                   insights.router, query.router, suggestions.router, session.router,
                   labels.router, search.router):
        app.include_router(router)
    mount_web_app(app)
    return app


