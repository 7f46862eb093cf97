"""Assembles the FastAPI app; the driver is created in the lifespan, never at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from kg import __version__
from kg.errors import GraphError
from kg.graph import queries
from kg.graph.driver import create_driver, run_query
from kg.settings import Settings, load_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings or load_settings()
        app.state.driver = create_driver(app.state.settings)
        try:
            yield
        finally:
            app.state.driver.close()

    app = FastAPI(title="Customer knowledge graph", version=__version__, lifespan=lifespan)

    @app.get("/health", summary="Whether the API and its Neo4j answer")
    def health(request: Request) -> JSONResponse:
        try:
            run_query(request.app.state.driver, request.app.state.settings, queries.PING)
        except GraphError as error:
            return JSONResponse({"status": "degraded", "neo4j": str(error)}, status_code=503)
        return JSONResponse({"status": "ok", "neo4j": "ok", "version": __version__})

    return app
