"""``kg serve``: the HTTP API."""

from __future__ import annotations

import ctypes
import ctypes.util
import os

import typer

M_ARENA_MAX = -8  # glibc's mallopt parameter number
SERVER_MALLOC_ARENAS = 2


def limit_malloc_arenas(arenas: int = SERVER_MALLOC_ARENAS) -> bool:
    """Cap glibc's malloc arenas for this process (unless ``MALLOC_ARENA_MAX`` is set).

    glibc gives each thread that allocates an arena of its own, up to eight per core, and
    keeps what is freed in it for that arena's next use. The API runs requests in a pool of
    threads, each extracting (spaCy, numpy) and building rows, so every thread's arena grows
    to its own high-water mark and the process holds the sum: under a steady mix of ingests
    and reads the server's resident memory kept climbing. Two arenas hold it to one or two
    high-water marks; the requests contend little for them, since extraction holds the GIL.
    Returns whether the cap was set (not on other C libraries)."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_ARENA_MAX, arenas))


def command(host: str = typer.Option("127.0.0.1", "--host"),
            port: int = typer.Option(8000, "--port")) -> None:
    """Serve the query API (OpenAPI docs at /docs)."""
    limit_malloc_arenas()  # before any thread allocates
    import uvicorn

    from kg_api.main import MAX_REQUEST_HEAD_BYTES, create_app

    uvicorn.run(create_app(), host=host, port=port, log_level="info",
                h11_max_incomplete_event_size=MAX_REQUEST_HEAD_BYTES)
