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


jobs_cli = AppGroup("jobs", help="The background job queue (core/jobs.py).")


@jobs_cli.command("worker")
@click.option("--workers", "-w", default=2, show_default=True, help="Worker threads in this process.")
@click.option("--scheduler", is_flag=True,
              help="Also enqueue the periodic jobs. Run exactly one such process per deployment.")
def worker(workers: int, scheduler: bool) -> None:
    """Run jobs from the queue until stopped (SIGTERM finishes the jobs under way)."""
    from flask import current_app

    from diaspora.core import jobs

    jobs.run_worker(current_app._get_current_object(), workers=workers, scheduler=scheduler)


@jobs_cli.command("list")
def list_jobs() -> None:
    """The registered jobs, and when the periodic ones run."""
    from diaspora.core import jobs

    for job in sorted(jobs.JOBS.values(), key=lambda j: j.name):
        click.echo(f"{job.name}\t{'periodic' if job.periodic else 'on demand'}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--workers", default=2, show_default=True, help="Job worker threads beside the web server.")
def serve(host: str, port: int, workers: int) -> None:
    """Development: the web server and, in threads of the same process, a job consumer with the
    scheduler, so queued mail leaves by itself (to the log, or to MAIL_SERVER)."""
    from flask import current_app
    from werkzeug.serving import run_simple

    from diaspora.core import jobs

    app = current_app._get_current_object()
    jobs.start_in_process(app, workers=workers)
    click.echo(f"Job consumer started ({workers} threads, periodic jobs on).")
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


access_log_cli = AppGroup("access-log", help="The record of who looked at whose data.")


@access_log_cli.command("purge")
def purge_access_log() -> None:
    """Remove the lines older than ACCESS_LOG_RETENTION_MONTHS (the queue runs it daily; or from cron)."""
    from flask import current_app

    from diaspora.core import access_log

    months = current_app.config["ACCESS_LOG_RETENTION_MONTHS"]
    removed = access_log.purge_job()
    click.echo(f"{removed} lines older than {months} months removed.")


def register(app: Flask) -> None:
    app.cli.add_command(outbox_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(serve)
    app.cli.add_command(access_log_cli)
