"""`flask webhooks deliver`: send the webhook deliveries that are due (`jobs.deliver_due`)."""

import click
from flask import Flask
from flask.cli import AppGroup

from diaspora.webhooks import jobs

webhooks_cli = AppGroup("webhooks", help="Send the webhook deliveries that are due.")


@webhooks_cli.command("deliver")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10_000),
              help="At most this many deliveries in this run.")
def deliver(limit: int) -> None:
    """Send due deliveries (run it every minute, from cron or the job queue)."""
    click.echo(str(jobs.deliver_due(limit=limit)))


def register(app: Flask) -> None:
    app.cli.add_command(webhooks_cli)
