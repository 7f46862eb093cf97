"""``kg serve``: the HTTP API."""

from __future__ import annotations

import os
import sys

import typer

SERVER_MALLOC_ARENAS = "2"


def _with_few_malloc_arenas() -> None:
    """Start again with ``MALLOC_ARENA_MAX=2`` in the environment, unless it is set.

    glibc gives each thread that allocates an arena of its own, up to eight per core, and keeps
    what is freed in it for that arena's next use. The API runs requests in a pool of threads,
    each extracting (spaCy, numpy) and building rows, so every thread's arena grows to its own
    high-water mark and the process holds the sum (a soak run's resident memory, with and
    without: docs/figures.md). Two arenas hold it to one or two high-water marks; the requests
    contend little for them, since extraction holds the GIL. The limit is read when the first thread
    arena is made, and importing numpy starts threads, so setting it from Python (``mallopt``)
    comes too late: the process starts again with the variable set (same process id)."""
    if "MALLOC_ARENA_MAX" in os.environ or not sys.platform.startswith("linux"):
        return
    os.execve(sys.executable, [sys.executable, "-m", "kg", *sys.argv[1:]],  # noqa: S606
              {**os.environ, "MALLOC_ARENA_MAX": SERVER_MALLOC_ARENAS})


def command(host: str = typer.Option("127.0.0.1", "--host"),
            port: int = typer.Option(8000, "--port")) -> None:
    """Serve the query API (OpenAPI docs at /docs)."""
    _with_few_malloc_arenas()
    import uvicorn

    from kg_api.main import MAX_REQUEST_HEAD_BYTES, create_app

    uvicorn.run(create_app(), host=host, port=port, log_level="info",
                h11_max_incomplete_event_size=MAX_REQUEST_HEAD_BYTES)
