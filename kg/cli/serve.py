"""``kg serve``: the HTTP API."""

from __future__ import annotations

import typer


def command(host: str = typer.Option("127.0.0.1", "--host"),
            port: int = typer.Option(8000, "--port")) -> None:
    """Serve the query API (OpenAPI docs at /docs)."""
    import uvicorn

    from kg_api.main import MAX_REQUEST_HEAD_BYTES, create_app

    uvicorn.run(create_app(), host=host, port=port, log_level="info",
                h11_max_incomplete_event_size=MAX_REQUEST_HEAD_BYTES)
