"""Starting ``kg serve`` in a process of its own and watching it: the one helper every benchmark,
soak and fault run starts the product's server with.

The server gets its settings from the environment (the caller's, with the API keys added, and
``extra_env`` on top), so a run points it at its own Neo4j home and mirror store. It is ready
when ``/health`` answers 200: the mirror is then owned, and built if it was missing. Memory is the
resident set of the server process and its children (uvicorn runs the app in the process
itself; SPARQL workers are children and come and go).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx
import psutil

ADMIN_KEY = "bench-admin"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_command(port: int, *, workers: int = 1) -> list[str]:
    """``kg serve`` on 127.0.0.1:``port``; with more than one worker, uvicorn's worker processes
    over the same app factory (``kg serve`` runs one process)."""
    if workers == 1:
        return [sys.executable, "-m", "kg", "serve", "--port", str(port)]
    return [sys.executable, "-m", "uvicorn", "kg_api.main:create_app", "--factory",
            "--port", str(port), "--workers", str(workers), "--log-level", "warning"]


def start_server(port: int, *, keys: Mapping[str, str] | None = None, log: Path | None = None,
                 timeout: float = 600.0, workers: int = 1,
                 extra_env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
    """The server on 127.0.0.1:``port``, once ``/health`` answers 200.

    ``keys`` maps API keys to roles (default: :data:`ADMIN_KEY` as admin); the server's output
    goes to ``log`` (appended), or nowhere. Raises :class:`RuntimeError` when the server exits
    or does not answer within ``timeout`` seconds (then it is killed)."""
    env = {**os.environ, "KG_API_KEYS": json.dumps(dict(keys or {ADMIN_KEY: "admin"})),
           **(extra_env or {})}
    command = server_command(port, workers=workers)
    if log is None:
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
    else:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    where = f"; see {log}" if log is not None else ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"kg serve exited with {process.returncode}{where}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    process.kill()
    process.wait()
    raise RuntimeError(f"kg serve did not answer /health within {timeout:g} s{where}")


def stop_server(process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """SIGTERM (a clean shutdown: the writer finishes what is queued), SIGKILL after ``timeout``
    (a server busy past its shutdown grace: the measurement's own error matters)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def rss_bytes(pid: int, *, children: bool = False) -> int:
    """Resident memory of a process, or of its children (the SPARQL fork server and workers,
    which come and go and share pages with each other)."""
    try:
        parent = psutil.Process(pid)
        if not children:
            return int(parent.memory_info().rss)
        return sum(p.memory_info().rss for p in parent.children(recursive=True))
    except psutil.NoSuchProcess:
        return 0


def folder_bytes(path: Path) -> int:
    if not path.exists():
        return 0
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def percentile(values: list[float], share: float) -> float:
    """The value at ``share`` (0..1) of the sorted values (nearest rank); 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]
