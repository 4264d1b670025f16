"""CLI for operators: `flask catalog import FILE`, `flask factors import FILE` and
`flask keys create|revoke|list`."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app import clock
from app.core.errors import DomainError
from app.core.factor_import import import_factors
from app.core.ingest import import_certificates
from app.core.records import FieldError
from app.db import close_thread_connections, factor_file, import_file, open_stores

catalog = AppGroup("catalog", help="Catalogue data: import certificate files.")
factors = AppGroup("factors", help="Emission factors: load an official factor table.")
keys = AppGroup("keys", help="API keys of certification bodies.")

#: Files smaller than this import without a progress bar.
_PROGRESS_MIN_BYTES = 1 << 20
#: Rows with warnings listed one by one; the rest are counted.
_WARNINGS_LISTED = 100


@catalog.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate every row and report; change nothing.")
def import_command(file: Path, dry_run: bool) -> None:
    """Import certificates from a CSV or JSON Lines FILE as one new catalogue release.

    Every row is validated; if any is rejected, nothing is written and each rejection is
    listed as `row N, field F: reason - message`. Exit status 1 when rows were rejected.
    """
    rejected_rows = warned_rows = 0

    def on_reject(index: int, errors: list[FieldError]) -> None:
        nonlocal rejected_rows
        rejected_rows += 1
        for e in errors:
            click.echo(f"row {index}, field {e.field}: {e.reason} - {e.message}")

    def on_warn(index: int, errors: list[FieldError]) -> None:
        nonlocal warned_rows
        warned_rows += 1
        if warned_rows > _WARNINGS_LISTED:
            return
        for e in errors:
            click.echo(f"warning: row {index}, field {e.field}: {e.reason} - {e.message}")

    size = file.stat().st_size
    bar = None
    if size >= _PROGRESS_MIN_BYTES:
        bar = click.progressbar(length=size, label=f"Importing {file.name}", file=sys.stderr)
        bar.__enter__()
    done = 0

    def on_progress(position: int) -> None:
        nonlocal done
        if bar is not None:
            bar.update(position - done)
            done = position

    try:
        with open_stores(cache_mb=current_app.config["IMPORT_CACHE_MB"]) as stores:
            counts, release = import_certificates(
                stores.catalogue_writes,
                import_file(file),
                as_of=clock.today(current_app.config["TODAY"]),
                actor=_cli_actor(),
                dry_run=dry_run,
                on_reject=on_reject,
                on_warn=on_warn,
                on_progress=on_progress,
            )
    except (ValueError, UnicodeDecodeError) as error:
        raise click.ClickException(str(error)) from None
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
        close_thread_connections()

    summary = (
        f"{counts.rows} rows: {counts.inserted} new, {counts.revised} revised, "
        f"{counts.status_changes} status changes, {counts.unchanged} unchanged, "
        f"{rejected_rows} rejected, {warned_rows} with warnings"
    )
    if warned_rows > _WARNINGS_LISTED:
        click.echo(f"... and {warned_rows - _WARNINGS_LISTED} more rows with warnings.")
    click.echo(summary)
    if rejected_rows:
        click.echo("Nothing was imported: fix the rejected rows and import the file again.")
        sys.exit(1)
    _echo_outcome(dry_run, release)


@factors.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate every row and report; change nothing.")
def factors_import_command(file: Path, dry_run: bool) -> None:
    """Load emission factors from a CSV or JSON Lines FILE as one new catalogue release.

    Columns: schemas/factor-import.schema.json (publisher, year, version, source URL and
    boundary on every row). A factor whose id is loaded already is replaced; others are
    kept. If any row is rejected, nothing is written and each rejection is listed as
    `row N, field F: reason - message`; exit status 1.
    """

    def on_reject(index: int, errors: list[FieldError]) -> None:
        for e in errors:
            click.echo(f"row {index}, field {e.field}: {e.reason} - {e.message}")

    try:
        with open_stores() as stores:
            counts, release = import_factors(
                stores.catalogue_writes,
                factor_file(file),
                as_of=clock.today(current_app.config["TODAY"]),
                actor=_cli_actor(),
                dry_run=dry_run,
                on_reject=on_reject,
            )
    except (ValueError, UnicodeDecodeError) as error:
        raise click.ClickException(str(error)) from None
    finally:
        close_thread_connections()
    click.echo(
        f"{counts.rows} rows: {counts.inserted} new, {counts.revised} replaced, "
        f"{counts.unchanged} unchanged, {counts.rejected} rejected"
    )
    if counts.rejected:
        click.echo("Nothing was loaded: fix the rejected rows and import the file again.")
        sys.exit(1)
    _echo_outcome(dry_run, release)


@keys.command("create")
@click.argument("body_id")
def keys_create(body_id: str) -> None:
    """Create an API key for certification body BODY_ID; the key is shown only once."""
    with open_stores() as stores:
        key, token = _or_fail(lambda: stores.api_keys.create(body_id, actor=_cli_actor()))
    click.echo(f"Key {key.id} for {key.body_id} (shown once, store it now):")
    click.echo(token)


@keys.command("revoke")
@click.argument("key_id")
def keys_revoke(key_id: str) -> None:
    """Revoke the API key KEY_ID at once."""
    with open_stores() as stores:
        key = _or_fail(lambda: stores.api_keys.revoke(key_id, actor=_cli_actor()))
    click.echo(f"Key {key.id} for {key.body_id} revoked at {key.revoked_at}.")


@keys.command("list")
def keys_list() -> None:
    """List API keys (ids and bodies; secrets are never stored)."""
    with open_stores() as stores:
        for key in stores.api_keys.list():
            state = f"revoked {key.revoked_at}" if key.revoked_at else "active"
            click.echo(f"{key.id}\t{key.body_id}\tcreated {key.created_at}\t{state}")


def _cli_actor() -> str:
    """Who an audit row says acted, for a CLI command: the operator's login."""
    return f"cli:{getpass.getuser()}"


def _or_fail(action):
    try:
        return action()
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None


def init_app(app: Flask) -> None:
    app.cli.add_command(catalog)
    app.cli.add_command(factors)
    app.cli.add_command(keys)


def _echo_outcome(dry_run: bool, release: int | None) -> None:
    """The last line of an import: what happened to the catalogue."""
    if dry_run:
        click.echo("Dry run: nothing was written.")
    elif release is None:
        click.echo("Nothing changed: the current release stays.")
    else:
        click.echo(f"Release {release} created.")
