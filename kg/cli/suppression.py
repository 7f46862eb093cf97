"""``kg suppression check | lift``: the erased identities that loads set aside."""

from __future__ import annotations

import typer

from kg.errors import ConfigError
from kg.graph.driver import create_driver
from kg.ingestion.identities import IdentityError, identity_id
from kg.ingestion.records import IdentityRef
from kg.ingestion.suppression import lift as lift_suppression
from kg.ingestion.suppression import suppressed
from kg.settings import load_settings

app = typer.Typer(no_args_is_help=True,
                  help="Identities erased on request, which later loads set aside.")


def _identity(kind: str, value: str, network: str | None) -> str:
    try:
        return identity_id(IdentityRef.model_validate(
            {"kind": kind, "value": value, "network": network}))
    except (IdentityError, ValueError) as error:
        raise ConfigError(f"{kind} {value!r}: {error}") from error


@app.command()
def check(kind: str = typer.Argument(..., help="email, phone, handle, crm or loyalty"),
          value: str = typer.Argument(...),
          network: str | None = typer.Option(None, help="network of a handle")) -> None:
    """Whether an identifier is suppressed (exit code 1 when it is)."""
    settings = load_settings()
    identity = _identity(kind, value, network)
    with create_driver(settings) as driver:
        hit = suppressed(driver, settings, [identity])
    typer.echo(f"{identity}: {'suppressed' if hit else 'not suppressed'}")
    if hit:
        raise typer.Exit(1)


@app.command()
def lift(kind: str = typer.Argument(..., help="email, phone, handle, crm or loyalty"),
         value: str = typer.Argument(...),
         network: str | None = typer.Option(None, help="network of a handle")) -> None:
    """Let an erased identifier be loaded again (an operator's decision)."""
    settings = load_settings()
    identity = _identity(kind, value, network)
    with create_driver(settings) as driver:
        count = lift_suppression(driver, settings, [identity])
    typer.echo(f"{identity}: {'lifted' if count else 'was not suppressed'}")
