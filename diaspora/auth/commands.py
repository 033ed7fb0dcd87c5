"""`flask users create-admin`, `flask users reset-two-factor`."""

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


@users_cli.command("reset-two-factor")
@click.argument("email")
def reset_two_factor(email: str) -> None:
    """Turn off someone's second factor (a lost phone, no recovery code, and no other admin to
    do it on the page). Audited; the person is emailed and logged out everywhere."""
    from diaspora.auth import services, two_factor

    user = services.find_by_email(email)
    if user is None:
        raise click.ClickException(f"No account has the address {email}.")
    two_factor.reset_by_command(user)
    transaction.commit()
    click.echo(f"Two-factor sign-in is reset for {user.email}; they set it up again at their next login.")
