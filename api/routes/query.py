"""Analysts' read-only Cypher and the SPARQL 1.1 Protocol over the RDF mirror."""

from __future__ import annotations

import concurrent.futures
from typing import Any
from urllib.parse import parse_qs

import neo4j
import pyoxigraph as ox
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from neo4j import exceptions as neo4j_errors

from api.cypher_policy import Refused, check_plan
from api.deps import DriverDep, SettingsDep
from api.models import CypherRequest, CypherResult
from api.security import Analyst

router = APIRouter(tags=["query"])
SPARQL_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="sparql")

RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
}


def _plain(value: Any) -> Any:
    """Neo4j values as JSON: nodes and relationships become their properties."""
    if isinstance(value, neo4j.graph.Node):
        return {"labels": sorted(value.labels), **dict(value)}
    if isinstance(value, neo4j.graph.Relationship):
        return {"type": value.type, **dict(value)}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "iso_format"):
        return value.iso_format()
    return value


@router.post("/query/cypher", response_model=CypherResult,
             summary="Read-only Cypher with parameters, a timeout and a row cap (analyst)")
def cypher(body: CypherRequest, driver: DriverDep, settings: SettingsDep,
           _: Analyst) -> CypherResult:
    timeout = settings.query_timeout_seconds
    try:
        with driver.session(database=settings.neo4j_database,
                            default_access_mode=neo4j.READ_ACCESS) as session:
            plan = session.run(neo4j.Query(f"EXPLAIN {body.query}", timeout=timeout),
                               body.parameters).consume()
            if plan.query_type != "r":
                raise HTTPException(403, "only read queries are allowed: this query writes "
                                         f"(query type {plan.query_type!r})")
            try:
                check_plan(body.query, plan.plan or {})
            except Refused as error:
                raise HTTPException(403, str(error)) from error
            result = session.run(neo4j.Query(body.query, timeout=timeout),
                                 body.parameters)
            columns = list(result.keys())
            rows: list[dict[str, Any]] = []
            truncated = False
            for record in result:
                if len(rows) == settings.query_max_rows:
                    truncated = True
                    break
                rows.append({k: _plain(v) for k, v in zip(columns, record.values(), strict=True)})
    except neo4j_errors.ClientError as error:
        code = error.code or ""
        if "Timeout" in code or "TransactionTimedOut" in code:
            raise HTTPException(504, f"the query ran over {timeout} s") from error
        if "AccessMode" in code or "Forbidden" in code:
            raise HTTPException(403, f"only read queries are allowed: {error.message}") from error
        raise HTTPException(400, f"bad query: {error.message}") from error
    except neo4j_errors.TransientError as error:
        raise HTTPException(504, f"the query was stopped: {error.message}") from error
    return CypherResult(columns=columns, rows=rows, truncated=truncated)


def _negotiate(accept: str, table: dict[str, Any], default: str) -> tuple[str, Any]:
    for part in accept.split(","):
        media = part.split(";")[0].strip()
        if media in table:
            return media, table[media]
    return default, table[default]


def _run_sparql(request: Request, query: str, accept: str) -> Response:
    settings = request.app.state.settings
    if not settings.rdf_store.exists():
        raise HTTPException(503, "the RDF mirror is not built yet: run `kg rdf rebuild`")

    def execute() -> tuple[bytes, str]:
        store = ox.Store.read_only(str(settings.rdf_store))
        try:
            results = store.query(query, use_default_graph_as_union=True)
        except SyntaxError as error:
            lowered = query.lower()
            if any(word in lowered for word in ("insert", "delete", "load ", "clear", "drop ")):
                raise PermissionError("SPARQL updates are refused: this endpoint is read-only") \
                    from error
            raise ValueError(f"bad SPARQL query: {error}") from error
        if isinstance(results, ox.QueryBoolean | ox.QuerySolutions):
            media, fmt = _negotiate(accept, RESULT_FORMATS, "application/sparql-results+json")
            return results.serialize(format=fmt) or b"", media
        media, fmt = _negotiate(accept, GRAPH_FORMATS, "text/turtle")
        return ox.serialize(results, format=fmt) or b"", media

    future = SPARQL_POOL.submit(execute)
    try:
        payload, media = future.result(timeout=settings.query_timeout_seconds)
    except concurrent.futures.TimeoutError as error:
        raise HTTPException(504, f"the query ran over {settings.query_timeout_seconds} s") \
            from error
    except PermissionError as error:
        raise HTTPException(403, str(error)) from error
    except ValueError as error:
        raise HTTPException(400, str(error)) from error
    return Response(payload, media_type=media)


@router.get("/sparql", summary="SPARQL 1.1 query by GET (analyst)")
def sparql_get(request: Request, _: Analyst,
               query: str = Query(..., max_length=20_000)) -> Response:
    return _run_sparql(request, query, request.headers.get("accept", ""))


@router.post("/sparql", summary="SPARQL 1.1 query by POST: urlencoded or sparql-query (analyst)")
async def sparql_post(request: Request, _: Analyst) -> Response:
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if content_type == "application/sparql-query":
        query = (await request.body()).decode("utf-8")
    elif content_type == "application/x-www-form-urlencoded":
        form = parse_qs((await request.body()).decode("utf-8"))
        if "update" in form:
            raise HTTPException(403, "SPARQL updates are refused: this endpoint is read-only")
        query = form.get("query", [""])[0]
    elif content_type == "application/sparql-update":
        raise HTTPException(403, "SPARQL updates are refused: this endpoint is read-only")
    else:
        raise HTTPException(415, "send application/sparql-query or "
                                 "application/x-www-form-urlencoded")
    if not query:
        raise HTTPException(400, "no query")
    return _run_sparql(request, query, request.headers.get("accept", ""))


