"""The core's own CLI command, `flask outbox send`. Domains register theirs from their own
`init_app`. Each command commits once, through `transaction.commit`, like a request."""

import click
from flask import Flask
from flask.cli import AppGroup

from diaspora.core import outbox

outbox_cli = AppGroup("outbox", help="Send the mail waiting in the outbox.")


@outbox_cli.command("send")
@click.option("--now", "ignore_schedule", is_flag=True,
              help="Retry every queued message now, ignoring the backoff schedule.")
def send(ignore_schedule: bool) -> None:
    """Send queued mail that is due (run it from cron every minute)."""

    def show(report):
        click.echo(f"\r{report}", nl=False, err=True)

    report = outbox.send_due(ignore_schedule=ignore_schedule, progress=show)
    click.echo(str(report))


access_log_cli = AppGroup("access-log", help="The record of who looked at whose data.")


@access_log_cli.command("purge")
def purge_access_log() -> None:
    """Remove the lines older than ACCESS_LOG_RETENTION_MONTHS (run it daily from cron)."""
    from flask import current_app

    from diaspora.core import access_log, transaction

    months = current_app.config["ACCESS_LOG_RETENTION_MONTHS"]
    removed = access_log.purge(months)
    transaction.commit()
    click.echo(f"{removed} lines older than {months} months removed.")


def register(app: Flask) -> None:
    app.cli.add_command(outbox_cli)
    app.cli.add_command(access_log_cli)
