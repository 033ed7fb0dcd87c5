"""`flask desks ...`: the desks' cron jobs. `flask desks remind` (daily) mails each desk's
officers the open submissions that went past their acknowledgement or answer date, once per
submission, measure and due date: running it again sends nothing."""

import click
from flask.cli import AppGroup

from diaspora.core import transaction

desks_cli = AppGroup("desks", help="The diaspora desks' jobs.")


@desks_cli.command("remind")
@click.option("--today", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as if today were this date (YYYY-MM-DD); by default the UTC date.")
def remind(on) -> None:
    """Email each desk's officers their overdue open submissions (run daily)."""
    from diaspora.core.planner import ensure_statistics
    from diaspora.desks.work import reminders

    ensure_statistics(reminders.TABLES, echo=click.echo)
    sent = reminders.remind(on.date() if on else None)
    # The lines are made before the commit: it expires the submissions loaded, and reading each
    # one's reference afterwards would cost one statement per submission (minutes at scale).
    lines = [f"{report.desk.name} ({report.desk.country}): {len(report.items)} overdue to "
             f"{len(report.officers)} {'officer' if len(report.officers) == 1 else 'officers'}: "
             + ", ".join(f"{s.reference} ({measure}, due {due_on.isoformat()})" for s, measure, due_on in report.items)
             for report in sent]
    transaction.commit()
    if not sent:
        click.echo("No new overdue submissions: nothing sent.")
        return
    for line in lines:
        click.echo(line)


@desks_cli.command("refresh")
def refresh() -> None:
    """Recount the engagement dashboards' member figures from the consenting members (hourly)."""
    from diaspora.core.planner import ensure_statistics
    from diaspora.desks.engagement import engagement

    ensure_statistics(engagement.TABLES, echo=click.echo)
    engagement.refresh(echo=click.echo)
    transaction.commit()


def remind_job() -> int:
    """The same work as `flask desks remind`, as the queue's daily periodic job."""
    from diaspora.desks.work import reminders

    sent = reminders.remind(None)
    transaction.commit()
    return len(sent)


def refresh_job() -> None:
    """The same work as `flask desks refresh`, as the queue's hourly periodic job."""
    from diaspora.desks.engagement import engagement

    engagement.refresh()
    transaction.commit()


def register_jobs() -> None:
    from diaspora.core import jobs

    jobs.register("desks.remind", remind_job, periodic=jobs.crontab(minute="30", hour="3"))
    jobs.register("desks.refresh", refresh_job, periodic=jobs.crontab(minute="5"))
