"""Webhooks: an association's or a desk's officers register an HTTPS endpoint for the events
that concern them; each event is written as a delivery in the transaction of its change (an
outbox) and sent, signed as the Standard Webhooks specification says, by `jobs.deliver_due`
(`flask webhooks deliver` or the queue's scheduler every minute), with retries, backoff and a delivery log.

* `models.py`: subscriptions and deliveries; `events.py`: the event types, and the audit
  listener that turns a change into deliveries; `subscriptions.py`: the services (make, pause,
  resume, delete, test, redeliver; where an endpoint may point); `jobs.py`: claiming, signing,
  sending, retrying, switching off; `policy.py`, `personal_data.py`: kinds and the registry;
  `views.py`, `forms.py`: the pages; `commands.py`: the CLI. The API's routes
  (/api/v1/webhooks) are in `api/v1/webhooks.py`, beside the other domains'."""

from flask import Flask


def init_app(app: Flask) -> None:
    from diaspora.core import audit, jobs
    from diaspora.licensure import reminders
    from diaspora.webhooks import commands, events, personal_data, policy, views
    from diaspora.webhooks.jobs import deliver_due

    policy.declare_kinds()
    personal_data.register()
    audit.listen("webhooks", events.on_audit)
    reminders.listen(events.on_licence_reminders)  # a shared licence nearing expiry
    app.register_blueprint(views.bp)
    commands.register(app)
    # Every minute, by the queue's scheduler (`flask webhooks deliver` stays for cron).
    jobs.register("webhooks.deliver_due", deliver_due, periodic=jobs.crontab(minute="*"))
