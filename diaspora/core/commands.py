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


def register(app: Flask) -> None:
    app.cli.add_command(outbox_cli)
