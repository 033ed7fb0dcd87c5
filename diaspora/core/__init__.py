"""What every domain builds on. `core` imports no domain: domains register themselves with
it (object kinds, personal data, commands, template filters) from their own `init_app`."""

from flask import Flask


def init_app(app: Flask) -> None:
    from diaspora.core import commands, errors, jobs_views, transaction, views
    from diaspora.core.countries import country_name, place_name, region_name
    from diaspora.core.form_fields import in_python as field_in_python
    from diaspora.core.form_fields import plain_field
    from diaspora.core.forms import language_name
    from diaspora.core.i18n import LANGUAGE_NAMES, current_locale, install_template_gettext
    from diaspora.core.layout import kept_fragment, site_footer, site_header
    from diaspora.core.navigation import main_navigation, workspaces
    from diaspora.core.numbers import money, number
    from diaspora.core.text import isolated
    from diaspora.core.time import clock_time, long_date

    app.register_blueprint(views.bp)
    app.register_blueprint(jobs_views.bp)
    jobs_views.register_kinds()
    app.after_request(transaction.commit_or_rollback)
    app.teardown_request(transaction.discard_on_error)
    errors.register(app)
    commands.register(app)
    app.jinja_env.add_extension("jinja2.ext.do")
    install_template_gettext(app)
    app.jinja_env.filters["country_name"] = country_name
    app.jinja_env.filters["region_name"] = region_name
    app.jinja_env.globals.update(place_name=place_name)
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["clock_time"] = clock_time
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["bdi"] = isolated
    app.jinja_env.globals.update(long_date=long_date, country_name=country_name, language_name=language_name,
                                 current_locale=current_locale, main_navigation=main_navigation, workspaces=workspaces,
                                 language_names=LANGUAGE_NAMES, site_header=site_header, site_footer=site_footer,
                                 kept_fragment=kept_fragment, field_in_python=field_in_python, plain_field=plain_field)
    _register_personal_data()
    _register_jobs()


def _register_jobs() -> None:
    from diaspora.core import access_log, jobs, outbox

    jobs.register("outbox.deliver", outbox.deliver_job)
    jobs.register("outbox.sweep", outbox.sweep_job, periodic=jobs.crontab(minute="*"))
    jobs.register("access_log.purge", access_log.purge_job, periodic=jobs.crontab(hour="3", minute="40"))


def _register_personal_data() -> None:
    """Uploaded files are the core's: erased with their owner."""
    import sqlalchemy as sa

    from diaspora.core import personal_data
    from diaspora.core.i18n import _l
    from diaspora.core.models import StoredFile
    from diaspora.extensions import db

    def export(user):
        files = db.session.scalars(sa.select(StoredFile).where(StoredFile.owner_id == user.id)
                                   .order_by(StoredFile.id))
        return [{"filename": f.filename, "content_type": f.content_type, "size": f.size,
                 "sha256": f.sha256, "uploaded_at": f.created_at.isoformat()} for f in files]

    def erase(user):
        return db.session.execute(sa.delete(StoredFile).where(StoredFile.owner_id == user.id)
                                  .execution_options(synchronize_session=False)).rowcount

    personal_data.register("files", tables=("stored_files",), export=export, erase=erase, order=90,
                           erased=_l("Every file you uploaded."))
    from diaspora.core import access_log

    personal_data.register("access_log", tables=("data_accesses",), export=access_log.export,
                           erase=access_log.erase, order=95,
                           erased=_l("The list of who looked at your data."),
                           kept=_l("Where you looked at someone else's data as an officer, they keep the line "
                                   "saying so, without your name."))
    personal_data.not_personal("audit_events", "exported and redacted by personal_data itself")
    personal_data.not_personal("failed_jobs", "a job's name, ids and error, no personal data")
    personal_data.not_personal("outbox_messages", "purged of a person's address and text by personal_data itself")
    personal_data.not_personal("platform_counts", "anonymous counts")
