"""Assembles the FastAPI app; the driver and the pipeline are created in the lifespan or on
first use, never at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import cache

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response

from api.routes import concepts, customers, insights, query, records, session
from api.stats import StatsCache
from api.webapp import mount_web_app
from kg import __version__
from kg.errors import GraphError, GraphRequestError, GraphUnavailable
from kg.extraction.pipeline import build_pipeline
from kg.graph import queries
from kg.graph.driver import create_driver, run_query
from kg.settings import Settings, load_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    resolved = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = resolved
        app.state.driver = create_driver(resolved)
        app.state.nlp = cache(lambda: build_pipeline(resolved))  # built on first ingestion
        app.state.stats = StatsCache(resolved.api_stats_ttl_seconds)
        try:
            yield
        finally:
            app.state.driver.close()

    app = FastAPI(title="Customer knowledge graph", version=__version__, lifespan=lifespan,
                  description="Correlated 360° customer views, concept correlations, read-only "
                              "Cypher and SPARQL over the customer knowledge graph. Send an API "
                              "key in the X-API-Key header.")
    if resolved.api_cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=resolved.api_cors_origins,
                           allow_methods=["GET", "POST", "DELETE"], allow_headers=["*"])

    @app.middleware("http")
    async def limit_body(request: Request,
                         call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > resolved.api_max_body_bytes:
            return JSONResponse({"detail": f"request body over {resolved.api_max_body_bytes} "
                                           "bytes (KG_API_MAX_BODY_BYTES)"}, status_code=413)
        return await call_next(request)

    @app.exception_handler(GraphUnavailable)
    async def unavailable(request: Request, error: GraphUnavailable) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=503)

    @app.exception_handler(GraphRequestError)
    async def bad_value(request: Request, error: GraphRequestError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=400)

    @app.exception_handler(GraphError)
    async def graph_error(request: Request, error: GraphError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=500)

    @app.get("/health", tags=["health"], summary="Whether the API and its Neo4j answer")
    def health(request: Request) -> JSONResponse:
        try:
            run_query(request.app.state.driver, request.app.state.settings, queries.PING)
        except GraphError as error:
            return JSONResponse({"status": "degraded", "neo4j": str(error)}, status_code=503)
        return JSONResponse({"status": "ok", "neo4j": "ok", "version": __version__})

    for router in (customers.router, records.router, concepts.router, insights.router,
                   query.router, session.router):
        app.include_router(router)
    mount_web_app(app)
    return app


