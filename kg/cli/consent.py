"""``kg consent grant | deny | withdraw | show | suggestions``: record a customer's consent
decisions with who made them, list their permissions, and the messages that asked to stop
contact. The API's consent routes call the same service functions."""

from __future__ import annotations

import getpass
import json
from datetime import datetime

import typer
from pydantic import ValidationError

from kg.consent.models import ConsentChange
from kg.errors import ConfigError
from kg.graph.driver import create_driver
from kg.ontology.mapping import load_mapping
from kg.rdf.owner import sync_if_free
from kg.services.consent import consent_suggestions, customer_consents, record_consent
from kg.settings import load_settings

app = typer.Typer(no_args_is_help=True, help="Customers' consent: record, show, suggestions.")

PURPOSE = typer.Option(..., "--purpose", help="marketing, service, analytics or identity_linking")
CHANNEL = typer.Option(None, "--channel", help="the channel it applies to; default: every channel")
AT = typer.Option(None, "--at", help="when the customer decided (ISO 8601 with a zone); "
                                     "default: now")
UNTIL = typer.Option(None, "--until", help="until when a grant holds (ISO 8601 with a zone)")
EVIDENCE = typer.Option(None, "--evidence", help="what shows it: a form, a call note, …")
IDENTITY = typer.Option(None, "--identity", help="the identity it was given through")
MESSAGE = typer.Option(None, "--from-interaction",
                       help="the customer's message that asked for it (confirms a suggestion)")
BY = typer.Option(None, "--by", help="who records it; default: cli:<your user name>")


def _moment(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise ConfigError(f"{option}: {value!r} is not an ISO 8601 time") from error


def _record(customer_id: str, status: str, purpose: str, channel: str | None, at: str | None,
            until: str | None, evidence: str | None, identity: str | None,
            message: str | None, by: str | None) -> None:
    try:
        change = ConsentChange.model_validate({
            "purpose": purpose, "status": status, "channel": channel,
            "given_at": _moment(at, "--at"), "expires_at": _moment(until, "--until"),
            "source": "cli", "evidence": evidence, "identity_id": identity,
            "evidence_interaction_id": message,
            "recorded_by": by or f"cli:{getpass.getuser()}"})
    except ValidationError as error:
        first = error.errors()[0]
        raise ConfigError(f"{'.'.join(str(p) for p in first['loc']) or 'consent'}: "
                          f"{first['msg']}") from error
    settings = load_settings()
    with create_driver(settings) as driver:
        recorded = record_consent(driver, settings, customer_id, change)
        sync_if_free(driver, settings, load_mapping())
    where = f" on {channel}" if channel else " on every channel"
    typer.echo(f"{status} {purpose}{where} for {customer_id} (through {recorded.identity_id}): "
               f"{recorded.consent_id}, change {recorded.sequence}")


@app.command()
def grant(customer_id: str = typer.Argument(..., help="customer id"), purpose: str = PURPOSE,
          channel: str | None = CHANNEL, at: str | None = AT, until: str | None = UNTIL,
          evidence: str | None = EVIDENCE, identity: str | None = IDENTITY,
          message: str | None = MESSAGE, by: str | None = BY) -> None:
    """Record that the customer gave a permission."""
    _record(customer_id, "granted", purpose, channel, at, until, evidence, identity, message, by)


@app.command()
def deny(customer_id: str = typer.Argument(..., help="customer id"), purpose: str = PURPOSE,
         channel: str | None = CHANNEL, at: str | None = AT, evidence: str | None = EVIDENCE,
         identity: str | None = IDENTITY, message: str | None = MESSAGE,
         by: str | None = BY) -> None:
    """Record that the customer refused a permission when asked."""
    _record(customer_id, "denied", purpose, channel, at, None, evidence, identity, message, by)


@app.command()
def withdraw(customer_id: str = typer.Argument(..., help="customer id"), purpose: str = PURPOSE,
             channel: str | None = CHANNEL, at: str | None = AT,
             evidence: str | None = EVIDENCE, identity: str | None = IDENTITY,
             message: str | None = MESSAGE, by: str | None = BY) -> None:
    """Record that the customer took back a permission."""
    _record(customer_id, "withdrawn", purpose, channel, at, None, evidence, identity, message,
            by)


@app.command()
def show(customer_id: str = typer.Argument(..., help="customer id"),
         as_json: bool = typer.Option(False, "--json", help="one JSON document")) -> None:
    """A customer's permissions: per purpose what the policy allows and why, then history."""
    settings = load_settings()
    with create_driver(settings) as driver:
        consents = customer_consents(driver, settings, customer_id)
    if as_json:
        typer.echo(json.dumps({
            "decisions": [{"purpose": d.purpose, "allowed": d.allowed, "reason": d.reason}
                          for d in consents.decisions],
            "history": [e.as_dict() for e in consents.history],
            "suggestions": consents.suggestions}, default=str, indent=2))
        return
    for decision in consents.decisions:
        typer.echo(f"{decision.purpose:<17} {'yes' if decision.allowed else 'no':<4} "
                   f"{decision.reason}")
    typer.echo(f"history ({len(consents.history)} events, newest first):")
    for event in consents.history:
        typer.echo(f"  {event.given_at.isoformat()}  {event.purpose} {event.status} "
                   f"{event.channel or 'all channels'}  by {event.recorded_by} "
                   f"via {event.source}  {event.evidence or ''}".rstrip())
    for item in consents.suggestions:
        typer.echo(f"pending: {item['interactionId']} asked {item['evidence']!r} — confirm with "
                   f"kg consent withdraw {customer_id} --purpose … --from-interaction "
                   f"{item['interactionId']}")


@app.command("suggestions")
def list_suggestions(offset: int = typer.Option(0, min=0),
                     limit: int = typer.Option(50, min=1, max=500)) -> None:
    """Messages asking to stop contact or delete data, not yet confirmed, newest first."""
    settings = load_settings()
    with create_driver(settings) as driver:
        total, items = consent_suggestions(driver, settings, offset=offset, limit=limit)
    typer.echo(f"{total:,} pending")
    for item in items:
        typer.echo(f"{item['customerId']}  {item['interactionId']}  {item['evidence']!r}")
