"""What the core adds to the suite-wide tests (see tests/samples.py): the background-work admin
page's objects, a mail the outbox gave up on and a failed job, are the platform admins' alone."""

from diaspora.core.models import FailedJob, OutboxMessage
from diaspora.extensions import db
from tests.samples import Tenant, admins, insiders, kind_sample, open_to_outsiders

open_to_outsiders("failed_mail", "view", admins)
open_to_outsiders("failed_mail", "manage", admins)
open_to_outsiders("failed_job", "view", admins)
open_to_outsiders("failed_job", "manage", admins)
insiders("failed_mail", "view")  # platform admins only
insiders("failed_mail", "manage")
insiders("failed_job", "view")
insiders("failed_job", "manage")


@kind_sample("failed_mail")
def failed_mail(tenant: Tenant) -> dict:
    message = OutboxMessage(recipient=tenant.member.email, subject="Your renewal", template="email_taken",
                            body_text="Renew", status=OutboxMessage.FAILED, attempts=8,
                            last_error="SMTPServerDisconnected: Connection unexpectedly closed")
    db.session.add(message)
    db.session.flush()
    return {"message_id": message.id}


@kind_sample("failed_job")
def failed_job(tenant: Tenant) -> dict:
    job = FailedJob(task="desks.refresh", arguments=[], last_error="OperationalError: server closed the connection")
    db.session.add(job)
    db.session.flush()
    return {"job_id": job.id}
