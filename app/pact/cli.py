"""`flask pact clients create|list|revoke` for PACT data recipients; `flask pact deliver`."""

from __future__ import annotations

import datetime as dt
import json

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app import db
from app.core import pact_auth
from app.core.errors import DomainError

pact = AppGroup("pact", help="PACT v3 host: data-recipient clients and event delivery.")
clients = AppGroup("clients", help="OAuth2 clients of PACT data recipients.")
pact.add_command(clients)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _connection() -> db.PactConnection:
    return db.PactConnection(current_app.config)


@clients.command("create")
@click.argument("name")
@click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON line: client_id, client_secret."
)
def clients_create(name: str, as_json: bool) -> None:
    """Create a client for data recipient NAME; its secret is shown only once."""
    with _connection() as conn:
        try:
            client, secret = pact_auth.create_client(conn.store, name, now=_now())
        except DomainError as error:
            raise click.ClickException(error.message) from None
    if as_json:
        click.echo(json.dumps({"client_id": client.id, "client_secret": secret}))
        return
    click.echo(f"Client {client.id} for {client.name} (secret shown once, store it now):")
    click.echo(f"client_id:     {client.id}")
    click.echo(f"client_secret: {secret}")


@clients.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def clients_list(as_json: bool) -> None:
    """List clients (secrets are never stored, so never shown)."""
    with _connection() as conn:
        for client in conn.store.clients():
            if as_json:
                click.echo(json.dumps(client.__dict__, ensure_ascii=False))
            else:
                state = f"revoked {client.revoked_at}" if client.revoked_at else "active"
                click.echo(f"{client.id}\t{client.name}\tcreated {client.created_at}\t{state}")


@clients.command("revoke")
@click.argument("client_id")
def clients_revoke(client_id: str) -> None:
    """Revoke CLIENT_ID and every token issued to it, at once."""
    with _connection() as conn:
        try:
            client = pact_auth.revoke_client(conn.store, client_id, now=_now())
        except DomainError as error:
            raise click.ClickException(error.message) from None
    click.echo(f"Client {client.id} ({client.name}) revoked at {client.revoked_at}.")


@pact.command("deliver")
def deliver_command() -> None:
    """Send every due event answer once (served workers also do this on their own)."""
    from app.pact.delivery import deliver_due

    attempted = deliver_due(current_app.config)
    click.echo(f"{attempted} answers attempted.")


def init_app(app: Flask) -> None:
    app.cli.add_command(pact)
