"""`flask licences remind`: the daily cron job that emails members 90, 30 and 7 days before a
licence expires and when it has lapsed (licensure/reminders.py; idempotent: a second run the
same day sends nothing). `flask licences load-reference`: the regulators and the WHO Support and
Safeguards List, once after migrating (adds what is missing, never overwrites an admin's edit)."""

import click
from flask.cli import AppGroup

from diaspora.core import transaction

licences_cli = AppGroup("licences", help="Licence reminders and the regulator catalogue.")

PROGRESS_EVERY = 1000
THRESHOLD_WORDS = {"90": "90 days before", "30": "30 days before", "7": "7 days before", "lapsed": "lapsed"}


class ProgressBar:
    """A click progress bar on stderr (the summary on stdout stays clean), shown only for a
    large run; `remind` reports (done, total) after each chunk."""

    def __init__(self, label: str):
        self.label = label
        self.bar = None
        self.done = 0

    def __call__(self, done: int, total: int) -> None:
        if total < PROGRESS_EVERY:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=click.get_text_stream("stderr"))
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done
        if done >= total:
            self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@licences_cli.command("remind")
@click.option("--today", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as if today were this date (YYYY-MM-DD); by default the UTC date.")
def remind(on) -> None:
    """Email licence reminders due today: 90, 30 and 7 days before expiry, and on lapsing (run daily)."""
    from diaspora.core.planner import ensure_statistics
    from diaspora.licensure import reminders

    ensure_statistics(reminders.TABLES, echo=click.echo)
    bar = ProgressBar("Queueing reminders")
    try:
        report = reminders.remind(on.date() if on else None, progress=bar)
    finally:
        bar.close()
    transaction.commit()  # the first mails leave now; `flask outbox send` sends the rest
    counts = ", ".join(f"{words}: {report.sent[threshold]}" for threshold, words in THRESHOLD_WORDS.items())
    click.echo(f"Licence reminders for {report.on.isoformat()}: {counts}. "
               f"{report.total} {'email' if report.total == 1 else 'emails'} sent or queued.")


@licences_cli.command("load-reference")
def load_reference() -> None:
    """Load the regulators and the WHO Support and Safeguards List (once after migrating; safe to run again)."""
    from diaspora.licensure import reference

    regulators, countries = reference.load()
    transaction.commit()
    click.echo(f"{regulators} {'regulator' if regulators == 1 else 'regulators'} added, "
               f"{countries} {'country' if countries == 1 else 'countries'} of the safeguards list added.")


def remind_job() -> int:
    """The same work as `flask licences remind`, as the queue's daily periodic job."""
    from diaspora.licensure import reminders

    report = reminders.remind(None)
    transaction.commit()
    return report.total


def register_jobs() -> None:
    from diaspora.core import jobs

    jobs.register("licences.remind", remind_job, periodic=jobs.crontab(minute="20", hour="3"))
