"""``kg neo4j install | start | stop | status``: the project-managed local server."""

from __future__ import annotations

import typer
from rich.console import Console

from kg.neo4j_local import install as installer
from kg.neo4j_local import server
from kg.settings import load_settings

app = typer.Typer(no_args_is_help=True, help="Install and run a local Neo4j from Maven Central.")
console = Console(soft_wrap=True)


@app.command()
def install() -> None:
    """Resolve Neo4j Community 5.26 and APOC core with Maven into the Neo4j home."""
    settings = load_settings()
    result = installer.install(settings, say=lambda message: console.print(message,
                                                                           highlight=False))
    verb = "installed" if result.downloaded else "already installed"
    console.print(
        f"Neo4j {result.neo4j_version} with APOC {result.apoc_version} {verb} in {result.home} "
        f"({result.lib_jars} jars, {(result.lib_bytes + result.plugin_bytes) / 2**20:.0f} MiB)"
    )


@app.command()
def start() -> None:
    """Start on loopback with authentication on and wait until Bolt answers."""
    settings = load_settings()
    with console.status("starting Neo4j…"):
        state = server.start(settings)
    if state.already_running:
        console.print(f"Neo4j is already running (pid {state.pid}) at {state.uri}")
    else:
        console.print(f"Neo4j {state.version} started (pid {state.pid}) at {state.uri}")


@app.command()
def stop() -> None:
    """Shut down cleanly; a hard kill only after the stop timeout."""
    settings = load_settings()
    was = server.status(settings)
    with console.status("stopping Neo4j…"):
        server.stop(settings)
    console.print("Neo4j stopped" if was.running else "Neo4j was not running")


@app.command()
def status() -> None:
    """Running or not, version, URI and data directory; exit code 3 when not running."""
    state = server.status(settings := load_settings())
    console.print(f"running:   {'yes (pid ' + str(state.pid) + ')' if state.running else 'no'}")
    console.print(f"version:   {state.version or 'not installed'}")
    console.print(f"uri:       {state.uri}")
    console.print(f"home:      {settings.neo4j_home}")
    console.print(f"data:      {state.data_dir}")
    console.print(f"log:       {state.log_file}")
    if not state.running:
        raise typer.Exit(3)
