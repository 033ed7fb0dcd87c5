"""`flask users create-admin`."""

import click
from flask.cli import AppGroup

from diaspora.core import transaction

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.password_option()
def create_admin(email: str, name: str, password: str) -> None:
    """Create a platform administrator, or make an existing user one."""
    from diaspora.auth import passwords, services
    from diaspora.core import audit, emails

    try:
        emails.normalise(email)
    except emails.AddressError as error:
        raise click.ClickException(str(error)) from error
    user = services.find_by_email(email)
    if user is None:
        problem = passwords.password_problem(password, [name, email])
        if problem:
            raise click.ClickException(problem)
        user = services.create_user(name, email, password, verified=True, is_admin=True)
    user.is_admin = True
    audit.record("user.made_admin", user, actor=None)
    transaction.commit()
    click.echo(f"{user.email} is a platform administrator.")
