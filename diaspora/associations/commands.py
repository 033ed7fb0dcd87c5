"""`flask memberships update`: the daily cron job that lapses memberships whose period ended
and reminds members 30 days before their renewal date. Idempotent: running it again the same
day changes nothing and sends nothing."""

import click
from flask.cli import AppGroup

from diaspora.core import transaction

memberships_cli = AppGroup("memberships", help="Membership renewals and lapses.")

PROGRESS_EVERY = 100


def progress_bar(label: str):
    """Shows how far a long run has got (on stderr, so the summary stays clean)."""

    def show(done: int, total: int) -> None:
        if total >= PROGRESS_EVERY and (done % PROGRESS_EVERY == 0 or done == total):
            width = 30
            filled = width * done // total
            click.echo(f"\r{label}: [{'#' * filled}{'.' * (width - filled)}] {done} of {total}",
                       nl=done == total, err=True)

    return show


@memberships_cli.command("update")
def update() -> None:
    """Lapse memberships past their renewal date and send renewal reminders (run daily)."""
    from diaspora.associations import renewals

    lapsed = renewals.lapse_due(progress=progress_bar("Lapsing"))
    reminded = renewals.send_reminders(progress=progress_bar("Reminding"))
    transaction.commit()
    click.echo(f"{lapsed} {'membership' if lapsed == 1 else 'memberships'} lapsed, "
               f"{reminded} renewal {'reminder' if reminded == 1 else 'reminders'} sent.")


def update_job() -> str:
    """The same work as `flask memberships update`, as the queue's daily periodic job."""
    from diaspora.associations import renewals

    lapsed = renewals.lapse_due()
    reminded = renewals.send_reminders()
    transaction.commit()
    return f"{lapsed} lapsed, {reminded} reminded"


def register_jobs() -> None:
    from diaspora.core import jobs

    jobs.register("memberships.update", update_job, periodic=jobs.crontab(minute="10", hour="3"))
