"""A local Apache Jena Fuseki, provisioned from Maven Central like the local Neo4j.

A team whose mirror outgrows the embedded store points it at a SPARQL 1.1 server of its own;
Fuseki (``org.apache.jena:jena-fuseki-main``, runs on Java 17) is the one the product installs
and tests against. ``install`` resolves the server and its runtime dependencies (plus the log4j
implementation it expects) into ``<home>/lib``; ``start`` runs it on loopback with one TDB2
dataset, ``/mirror``, updates allowed, and waits until it answers.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx

from kg.errors import InstallError, StartTimeout
from kg.neo4j_local.java import checked_java, maven_executable
from kg.settings import Settings

MAIN = "org.apache.jena.fuseki.main.cmds.FusekiMainCmd"
_STARTED: dict[int, subprocess.Popen[bytes]] = {}  # servers this process started, by pid
LOG4J = "2.24.3"
POM = """<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>local.customer-kg</groupId><artifactId>fuseki-home</artifactId><version>1</version>
<packaging>pom</packaging><dependencies>
<dependency><groupId>org.apache.jena</groupId><artifactId>jena-fuseki-main</artifactId>
<version>{version}</version></dependency>
<dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId>
<version>{log4j}</version></dependency>
<dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j2-impl</artifactId>
<version>{log4j}</version></dependency></dependencies>
<build><plugins><plugin><groupId>org.apache.maven.plugins</groupId>
<artifactId>maven-dependency-plugin</artifactId><version>3.6.1</version></plugin></plugins>
</build></project>
"""


def install(settings: Settings) -> Path:
    """Resolve Fuseki into ``<home>/lib`` (nothing to do when it is there)."""
    home = settings.fuseki_home
    lib = home / "lib"
    marker = home / f"installed-{settings.fuseki_version}"
    if marker.exists():
        return lib
    home.mkdir(parents=True, exist_ok=True)
    pom = home / "pom.xml"
    pom.write_text(POM.format(version=settings.fuseki_version, log4j=LOG4J))
    command = [str(maven_executable()), "-B", "-q", "-f", str(pom),
               f"-Dmaven.repo.local={settings.maven_repo}",
               "dependency:copy-dependencies", "-DincludeScope=runtime",
               f"-DoutputDirectory={lib}"]
    done = subprocess.run([command[0], "-o", *command[1:]], capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise InstallError(f"Maven could not resolve Fuseki {settings.fuseki_version}: "
                           f"{done.stdout[-800:] or done.stderr[-800:]}")
    marker.touch()
    return lib


def base_url(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.fuseki_port}"


def _pid_file(settings: Settings) -> Path:
    return settings.fuseki_home / "fuseki.pid"


def running(settings: Settings) -> bool:
    try:
        answer = httpx.get(base_url(settings) + "/mirror/query", params={"query": "ASK {}"},
                           timeout=2)
        return answer.status_code == 200
    except httpx.HTTPError:
        return False


def start(settings: Settings, *, timeout: float = 120.0) -> str:
    """Start on loopback (left alone when it answers); returns the dataset's base URL."""
    dataset = base_url(settings) + "/mirror"
    if running(settings):
        return dataset
    lib = install(settings)
    data = settings.fuseki_home / "data"
    data.mkdir(parents=True, exist_ok=True)
    command = [str(checked_java()), "-Xmx512m", "-cp", f"{lib}/*", MAIN, "--localhost",
               "--port", str(settings.fuseki_port), "--tdb2", "--loc", str(data), "--update",
               "/mirror"]
    with (settings.fuseki_home / "fuseki.log").open("ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    _STARTED[process.pid] = process
    _pid_file(settings).write_text(str(process.pid))
    deadline = time.monotonic() + timeout
    while not running(settings):
        if process.poll() is not None or time.monotonic() > deadline:
            raise StartTimeout(f"Fuseki did not start; see {settings.fuseki_home / 'fuseki.log'}")
        time.sleep(0.3)
    return dataset


def stop(settings: Settings) -> None:
    pid_file = _pid_file(settings)
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text())
    pid_file.unlink(missing_ok=True)
    started = _STARTED.pop(pid, None)
    if started is not None:
        started.terminate()
        try:
            started.wait(timeout=20)
        except subprocess.TimeoutExpired:
            started.kill()
            started.wait()
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
        for _ in range(200):
            os.kill(pid, 0)
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)
