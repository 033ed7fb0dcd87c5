"""CLI commands. Each one commits once, through `transaction.commit`, like a request."""

import click
from flask import Flask
from flask.cli import AppGroup

from diaspora.core import outbox, transaction
from diaspora.core.countries import country_name
from diaspora.core.time import long_date

users_cli = AppGroup("users", help="Manage user accounts.")
outbox_cli = AppGroup("outbox", help="Send the mail waiting in the outbox.")
demo_cli = AppGroup("demo", help="Demo data for trying the app out.")


@users_cli.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.password_option()
def create_admin(email: str, name: str, password: str) -> None:
    """Create a platform administrator, or make an existing user one."""
    from diaspora.auth import passwords, services
    from diaspora.core import audit

    user = services.find_by_email(email)
    if user is None:
        problem = passwords.password_problem(password, [name, email])
        if problem:
            raise click.ClickException(problem)
        user = services.create_user(name, email, password, verified=True, is_admin=True)
    user.is_admin = True
    audit.record("user.made_admin", user, actor=user)
    transaction.commit()
    click.echo(f"{user.email} is a platform administrator.")


@outbox_cli.command("send")
@click.option("--now", "ignore_schedule", is_flag=True,
              help="Retry every queued message now, ignoring the backoff schedule.")
def send(ignore_schedule: bool) -> None:
    """Send queued mail that is due (run it from cron every minute)."""

    def show(report):
        click.echo(f"\r{report}", nl=False)

    report = outbox.send_due(ignore_schedule=ignore_schedule, progress=show)
    click.echo(f"\r{report}")


@demo_cli.command("load")
def load_demo() -> None:
    """Load demo data (safe to run again: it adds only what is missing)."""
    from diaspora import demo

    logins = demo.load()
    transaction.commit()
    click.echo(f"Demo logins (password for each: {demo.DEMO_PASSWORD})")
    for role, email in logins:
        click.echo(f"  {role:<22} {email}")


def register(app: Flask) -> None:
    from diaspora.associations.commands import memberships_cli

    app.cli.add_command(memberships_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(demo_cli)
    app.jinja_env.filters["country_name"] = country_name
    app.jinja_env.filters["long_date"] = long_date
