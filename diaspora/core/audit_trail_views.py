"""The audit trail's pages, shared by the routes that give it a scope: an association's (its
officers), a desk's (its officers) and every event (platform admins). The routes declare their
access; these helpers only read the filters and render."""

from flask import Response, render_template, request, stream_with_context

from diaspora.core import audit_trail
from diaspora.core.i18n import current_locale
from diaspora.core.pagination import page_of


def page(template: str, scope: audit_trail.Scope, endpoint: str, args: dict, **context):
    filters = audit_trail.filters_from(request.args)
    found = page_of(audit_trail.events(scope, filters), audit_trail.NEWEST_FIRST)
    return render_template(template, page=found, names=audit_trail.names_of(found.items, scope), endpoint=endpoint,
                           args=args, filter_args=audit_trail.filter_args(request.args),
                           actions=audit_trail.action_choices(), action_label=audit_trail.action_label,
                           record_label=audit_trail.record_label, who=audit_trail.who,
                           person_unknown=bool(request.args.get("person")) and filters.person_id is None,
                           **context)


def csv(scope: audit_trail.Scope, filename: str) -> Response:
    rows = audit_trail.csv_rows(scope, audit_trail.filters_from(request.args), current_locale())
    return Response(stream_with_context(rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
