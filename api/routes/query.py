"""Analysts' read-only Cypher and the SPARQL 1.1 Protocol over the RDF mirror."""

from __future__ import annotations

from urllib.parse import parse_qs

import neo4j
import orjson
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from neo4j import exceptions as neo4j_errors
from starlette.concurrency import run_in_threadpool

from kg.rdf.federation import FederationRefused, check_federation
from kg.rdf.query_runner import (
    BadQuery,
    Busy,
    MirrorMissing,
    QueryError,
    QueryRunner,
    QueryTimeout,
    ResultTooLarge,
    UpdateRefused,
)
from kg.settings import Settings
from kg_api.cypher_policy import Refused, check_plan, check_text
from kg_api.cypher_values import BadValue, check_parameters, plain
from kg_api.deps import DriverDep, SettingsDep
from kg_api.models import CypherRequest, CypherResult
from kg_api.query_slots import PerKeySlots, TooMany
from kg_api.security import Analyst

router = APIRouter(tags=["query"])


@router.post("/query/cypher", response_model=CypherResult,
             summary="Read-only Cypher with parameters, a timeout and a row cap (analyst)")
def cypher(body: CypherRequest, request: Request, driver: DriverDep, settings: SettingsDep,
           _: Analyst) -> Response:
    """Checked before anything runs (parameters, then what the text shows), then run while
    holding one of the key's slots (``KG_QUERY_CONCURRENT_PER_KEY``; none free: 429)."""
    try:
        check_parameters(body.parameters)
        check_text(body.query)
    except BadValue as error:
        raise HTTPException(400, str(error)) from error
    except Refused as error:
        raise HTTPException(403, str(error)) from error
    slots: PerKeySlots = request.app.state.cypher_slots
    try:
        with slots.hold(request.headers.get("x-api-key", "")):
            return _run_cypher(body, driver, settings)
    except TooMany as error:
        raise HTTPException(429, str(error)) from error


def _memory_refusal(error: neo4j_errors.Neo4jError) -> HTTPException:
    """Neo4j's transaction memory caps, named: the query's own cap is a 400 (narrow the query),
    the cap shared by all transactions a 429 (others hold it now; try again)."""
    message = error.message or ""
    if "total.max" in message:
        return HTTPException(429, "the transactions running now hold the memory all of them "
                                  "may use (db.memory.transaction.total.max); try again "
                                  f"shortly. Neo4j: {message}")
    return HTTPException(400, "the query needs more memory than one transaction may use "
                              "(db.memory.transaction.max); collect, sort or group fewer rows. "
                              f"Neo4j: {message}")


def _run_cypher(body: CypherRequest, driver: neo4j.Driver, settings: Settings) -> Response:
    """Each row is encoded once, with orjson, as it arrives: the byte cap counts exactly the
    bytes sent, and the body is those encoded rows joined (``CypherResult`` documents the
    shape), not a model validated and serialised a second time."""
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
            rows: list[bytes] = []
            truncated = False
            size = 0
            for record in result:
                if len(rows) == settings.query_max_rows:
                    truncated = True
                    break
                row = orjson.dumps({k: plain(v, k)
                                    for k, v in zip(columns, record.values(), strict=True)})
                size += len(row) + 1
                if size > settings.api_max_response_bytes:
                    truncated = True  # the byte cap (KG_API_MAX_RESPONSE_BYTES)
                    break
                rows.append(row)
    except BadValue as error:
        raise HTTPException(400, str(error)) from error
    except orjson.JSONEncodeError as error:
        raise HTTPException(400, f"a result value cannot be written as JSON ({error})") from error
    except neo4j_errors.BrokenRecordError as error:
        raise HTTPException(400, f"a result value cannot be represented ({error}: "
                                 f"{error.__cause__})") from error
    except neo4j_errors.ClientError as error:
        code = error.code or ""
        if "Timeout" in code or "TransactionTimedOut" in code:
            raise HTTPException(504, f"the query ran over {timeout} s") from error
        if code.endswith(".Transaction.Terminated"):  # an operator stopped it: not a bad query
            raise HTTPException(504, f"the query was stopped: {error.message}") from error
        if "AccessMode" in code or "Forbidden" in code:
            raise HTTPException(403, f"only read queries are allowed: {error.message}") from error
        raise HTTPException(400, f"bad query: {error.message}") from error
    except neo4j_errors.TransientError as error:
        if "MemoryPoolOutOfMemoryError" in (error.code or ""):
            raise _memory_refusal(error) from error
        raise HTTPException(504, f"the query was stopped: {error.message}") from error
    except neo4j_errors.Neo4jError as error:  # DatabaseError and any code not mapped above
        raise HTTPException(400, f"Neo4j could not run the query ({error.code}): "
                                 f"{error.message}") from error
    payload = b"".join((b'{"columns":', orjson.dumps(columns), b',"rows":[', b",".join(rows),
                        b'],"truncated":', b"true" if truncated else b"false", b"}"))
    return Response(payload, media_type="application/json")


MAX_QUERY_CHARS = 20_000
RUNNER_ERRORS: dict[type[QueryError], int] = {
    BadQuery: 400, ResultTooLarge: 400, UpdateRefused: 403, QueryTimeout: 504, Busy: 429,
    MirrorMissing: 503}


def _run_sparql(request: Request, query: str, accept: str) -> Response:
    settings = request.app.state.settings
    if len(query) > MAX_QUERY_CHARS:
        raise HTTPException(413, f"the query is over {MAX_QUERY_CHARS:,} characters")
    try:
        check_federation(query, settings.sparql_federation_endpoints)
    except FederationRefused as error:
        raise HTTPException(403, str(error)) from error
    runner: QueryRunner = request.app.state.sparql
    try:
        payload, media = runner.run(query, accept, settings.query_timeout_seconds,
                                    caller=request.headers.get("x-api-key", ""))
    except QueryError as error:
        status = next(code for kind, code in RUNNER_ERRORS.items() if isinstance(error, kind))
        raise HTTPException(status, str(error)) from error
    return Response(payload, media_type=media)


@router.get("/sparql", summary="SPARQL 1.1 query by GET (analyst)")
def sparql_get(request: Request, _: Analyst,
               query: str = Query(..., max_length=MAX_QUERY_CHARS)) -> Response:
    return _run_sparql(request, query, request.headers.get("accept", ""))


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise HTTPException(400, f"the request body is not valid UTF-8 (byte {error.start})") \
            from error


@router.post("/sparql", summary="SPARQL 1.1 query by POST: urlencoded or sparql-query (analyst)")
async def sparql_post(request: Request, _: Analyst) -> Response:
    # Media types are case-insensitive (RFC 9110 8.3.1).
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/sparql-query":
        query = _text(await request.body())
    elif content_type == "application/x-www-form-urlencoded":
        try:
            form = parse_qs(_text(await request.body()), errors="strict")
        except UnicodeDecodeError as error:
            raise HTTPException(400, "the form's query is not valid UTF-8") from error
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
    return await run_in_threadpool(_run_sparql, request, query,
                                   request.headers.get("accept", ""))
