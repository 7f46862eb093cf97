"""Start, stop and inspect the local server through Neo4j's own launcher.

``org.neo4j.server.startup.Neo4jCommand`` is what ``bin/neo4j`` runs: it forks the server JVM
with the heap and flags from ``neo4j.conf`` and keeps ``run/neo4j.pid``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import neo4j
import psutil
from neo4j import exceptions as neo4j_errors

from kg.errors import DataDirLocked, GraphAuthError, InstallError, PortInUse, StartTimeout
from kg.neo4j_local.config import initialised, local_password, write_conf
from kg.neo4j_local.install import read_installation
from kg.neo4j_local.java import checked_java
from kg.settings import Settings

LAUNCHER = "org.neo4j.server.startup.Neo4jCommand"
ADMIN = "org.neo4j.server.startup.Neo4jAdminCommand"


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    pid: int | None
    version: str | None
    uri: str
    home: Path
    data_dir: Path
    log_file: Path
    already_running: bool = False


def wait_for_bolt(
    uri: str, user: str, password: str, *, deadline: float, alive: Callable[[], bool]
) -> None:
    """Poll until Bolt answers an authenticated query, the process dies, or time runs out."""
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if not alive():
            raise StartTimeout(f"Neo4j exited during start-up (last error: {last_error})")
        try:
            with neo4j.GraphDatabase.driver(uri, auth=(user, password)) as driver:
                driver.verify_connectivity()
            return
        except neo4j_errors.AuthError as error:
            raise GraphAuthError(
                f"Neo4j at {uri} started but refused the password ({error.message}); the data "
                "directory was initialised with another password"
            ) from error
        except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired, OSError) as error:
            last_error = error
            time.sleep(0.5)
    raise StartTimeout(f"Neo4j did not answer Bolt at {uri} in time (last error: {last_error})")


def status(settings: Settings) -> ServerStatus:
    home = settings.neo4j_home
    installation = read_installation(home)
    pid = _live_pid(home)
    return ServerStatus(
        running=pid is not None,
        pid=pid,
        version=installation.neo4j_version if installation else None,
        uri=f"bolt://127.0.0.1:{settings.neo4j_bolt_port}",
        home=home,
        data_dir=home / "data",
        log_file=home / "logs" / "neo4j.log",
    )


def start(settings: Settings) -> ServerStatus:
    """Start and wait for Bolt; a running server is left alone."""
    current = status(settings)
    if current.running:
        return ServerStatus(**{**current.__dict__, "already_running": True})
    if current.version is None:
        raise InstallError(f"no Neo4j installed in {settings.neo4j_home}; run `kg neo4j install`")
    _check_port_free(settings.neo4j_bolt_port)
    _check_data_dir_unlocked(settings.neo4j_home)
    write_conf(settings)
    password = local_password(settings)
    if not initialised(settings.neo4j_home):
        _launch(settings, ADMIN, "dbms", "set-initial-password", password)
    launched = _launch(settings, LAUNCHER, "start")
    deadline = time.monotonic() + settings.neo4j_start_timeout
    try:
        wait_for_bolt(
            current.uri, settings.neo4j_user, password, deadline=deadline,
            alive=lambda: _live_pid(settings.neo4j_home) is not None,
        )
    except StartTimeout as error:
        raise StartTimeout(
            f"{error}; launcher said: {launched.strip()[-300:]}; see {current.log_file} "
            f"and {settings.neo4j_home / 'logs' / 'debug.log'}"
        ) from error
    return status(settings)


def stop(settings: Settings) -> ServerStatus:
    """Clean shutdown through the launcher; a hard kill only after the stop timeout."""
    pid = _live_pid(settings.neo4j_home)
    if pid is None:
        return status(settings)
    with contextlib.suppress(subprocess.SubprocessError, InstallError):
        _launch(settings, LAUNCHER, "stop", timeout=settings.neo4j_stop_timeout + 15,
                extra_env={"NEO4J_SHUTDOWN_TIMEOUT": str(int(settings.neo4j_stop_timeout))})
    if _wait_gone(pid, settings.neo4j_stop_timeout):
        return status(settings)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    _wait_gone(pid, 10)
    (settings.neo4j_home / "run" / "neo4j.pid").unlink(missing_ok=True)
    return status(settings)


def _launch(settings: Settings, main_class: str, *args: str, timeout: float = 120,
            extra_env: dict[str, str] | None = None) -> str:
    home = settings.neo4j_home
    env = {**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(home / "conf"),
           **(extra_env or {})}
    command = [str(checked_java()), "-Xmx128m", "-cp", str(home / "lib" / "*"), main_class, *args]
    # A session of its own: Ctrl-C on the terminal that started it must not stop the server.
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout,
                            check=False, start_new_session=True)
    output = result.stdout + result.stderr
    if result.returncode != 0 and "not running" not in output:
        shown = output.replace(args[-1], "***") if "password" in " ".join(args) else output
        raise InstallError(
            f"Neo4j launcher '{' '.join(args[:2])}' failed (exit {result.returncode}): "
            f"{shown.strip()[-600:]}; see {home / 'logs' / 'neo4j.log'}"
        )
    return output


def _live_pid(home: Path) -> int | None:
    """The server's pid when it runs; a stale pid file left by a crash is removed."""
    pid_file = home / "run" / "neo4j.pid"
    try:
        pid = int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        process = psutil.Process(pid)
        alive = process.status() != psutil.STATUS_ZOMBIE and str(home) in " ".join(
            process.cmdline()
        )
    except psutil.Error:
        alive = False
    if not alive:
        pid_file.unlink(missing_ok=True)
        return None
    return pid


def _wait_gone(pid: int, timeout: float) -> bool:
    try:
        psutil.Process(pid).wait(timeout=timeout)
    except psutil.NoSuchProcess:
        return True
    except psutil.TimeoutExpired:
        return False
    return True


def _check_port_free(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise PortInUse(
                f"port {port} on 127.0.0.1 is taken by {_port_owner(port)}; stop it or set "
                "KG_NEO4J_BOLT_PORT (and KG_NEO4J_URI) to a free port"
            ) from error


def _port_owner(port: int) -> str:
    with contextlib.suppress(psutil.Error):
        for conn in psutil.net_connections(kind="tcp"):
            if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN:
                if conn.pid is None:
                    return "another process"
                return f"pid {conn.pid} ({psutil.Process(conn.pid).name()})"
    return "another process"


def _check_data_dir_unlocked(home: Path) -> None:
    """Neo4j holds an OS lock on its store lock files; another holder means another server."""
    for lock in (home / "data" / "databases").glob("**/store_lock"):
        with lock.open("r+b") as handle:
            try:
                fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as error:
                raise DataDirLocked(
                    f"{lock.parent} is locked by another process (another Neo4j on this data "
                    "directory?); stop it first or point KG_NEO4J_HOME elsewhere"
                ) from error
            fcntl.lockf(handle, fcntl.LOCK_UN)
