"""Dependencies shared by the routers: settings and the Neo4j driver from the app's lifespan."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, LiteralString

import neo4j
from fastapi import Depends, HTTPException, Request

from kg.graph.driver import native, run_query
from kg.settings import Settings


# The dependencies are ``async def`` although they never await: FastAPI runs a plain ``def``
# dependency in the thread pool, a thread hand-off per request each for an attribute read.
async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_driver(request: Request) -> neo4j.Driver:
    driver: neo4j.Driver = request.app.state.driver
    return driver


SettingsDep = Annotated[Settings, Depends(get_settings)]


def utc_bound(moment: datetime | None) -> datetime | None:
    """Query bounds in UTC (a bound without a zone is taken as UTC): Neo4j compares zoned
    times only with zoned times, and the driver refuses offsets with seconds."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError as error:
        raise HTTPException(400, f"{moment.isoformat()} is outside the calendar once taken to "
                                 "UTC") from error
DriverDep = Annotated[neo4j.Driver, Depends(get_driver)]



class Graph:
    """Named statements run with parameters; the one way routers read the graph."""

    def __init__(self, driver: DriverDep, settings: SettingsDep) -> None:
        self.driver, self.settings = driver, settings

    def rows(self, query: LiteralString, **parameters: Any) -> list[dict[str, Any]]:
        return [native(row) for row in run_query(self.driver, self.settings, query, parameters)]

    def write(self, query: LiteralString, **parameters: Any) -> list[dict[str, Any]]:
        return [native(row) for row in
                run_query(self.driver, self.settings, query, parameters, write=True)]


async def get_graph(request: Request) -> Graph:
    return Graph(request.app.state.driver, request.app.state.settings)


GraphDep = Annotated[Graph, Depends(get_graph)]
