"""The webhook pages: an association's and a desk's endpoints (list, register: the signing
secret is shown once, in the answer that made it), an endpoint's delivery log (keyset pages,
newest first) with pause, resume, delete, a test event and redelivery."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from diaspora.core.access import loads, login_required, plain
from diaspora.core.domain import DomainError
from diaspora.core.forms import INVALID, put_beside_field
from diaspora.core.i18n import _
from diaspora.core.pagination import page_of
from diaspora.webhooks import subscriptions
from diaspora.webhooks.events import EVENT_TYPES
from diaspora.webhooks.forms import SubscriptionForm

bp = Blueprint("webhooks", __name__)


def _list(form, kind: str, owner, *, made=None, status: int = 200):
    """The owner's endpoints (an association's or a desk's: `kind`), newest first, under `form`."""
    query = _OWNED_BY[kind](owner)
    return render_template("webhooks/list.html", form=form, page=page_of(query, subscriptions.NEWEST_FIRST),
                           made=made, event_types=EVENT_TYPES, **{kind: owner}), status


def _create(kind: str, owner):
    """Register an endpoint for the owner; the answer shows its signing secret, once."""
    form = SubscriptionForm(owner=kind)
    if not form.validate_on_submit():
        return _list(form, kind, owner, status=INVALID)
    try:
        made = subscriptions.create(current_user._get_current_object(), url=form.url.data,
                                    description=form.description.data, event_types=form.event_types.data or [],
                                    **{kind: owner})
    except DomainError as error:
        put_beside_field(form, error)
        return _list(form, kind, owner, status=INVALID)
    return _list(SubscriptionForm(formdata=None, owner=kind), kind, owner, made=made)


_OWNED_BY = {"association": subscriptions.of_association, "desk": subscriptions.of_desk}


@bp.get("/associations/<slug>/webhooks")
@login_required
@loads(association="manage")
def association_list(association):
    return _list(SubscriptionForm(formdata=None, owner="association"), "association", association)


@bp.post("/associations/<slug>/webhooks")
@login_required
@loads(association="manage")
def association_create(association):
    return _create("association", association)


@bp.get("/desks/<int:desk_id>/webhooks")
@login_required
@loads(desk="work")
def desk_list(desk):
    return _list(SubscriptionForm(formdata=None, owner="desk"), "desk", desk)


@bp.post("/desks/<int:desk_id>/webhooks")
@login_required
@loads(desk="work")
def desk_create(desk):
    return _create("desk", desk)


@bp.get("/webhooks/<int:subscription_id>")
@login_required
@loads(webhook="view")
def show(webhook):
    return render_template("webhooks/show.html", subscription=webhook, event_types=EVENT_TYPES,
                           page=page_of(subscriptions.deliveries_of(webhook), subscriptions.DELIVERIES_NEWEST_FIRST))


def _owner_list(subscription) -> str:
    if subscription.association_id is not None:
        return url_for("webhooks.association_list", slug=subscription.association.slug)
    return url_for("webhooks.desk_list", desk_id=subscription.desk_id)


@bp.post("/webhooks/<int:subscription_id>/<any(pause,resume,test,delete):action>")
@login_required
@loads(webhook="manage")
@plain("action")
def act(webhook, action):
    officer = current_user._get_current_object()
    try:
        if action == "pause":
            subscriptions.pause(officer, webhook)
            flash(_("Paused: events wait until you resume it."), "success")
        elif action == "resume":
            subscriptions.resume(officer, webhook)
            flash(_("Resumed: waiting events are sent first."), "success")
        elif action == "test":
            subscriptions.send_test(officer, webhook)
            flash(_("A test event is on its way: it appears in the log below once sent."), "success")
        else:
            target = _owner_list(webhook)
            subscriptions.delete(officer, webhook)
            flash(_("The endpoint and its delivery log are deleted."), "success")
            return redirect(target)
    except DomainError as error:
        flash(str(error), "error")
    return redirect(url_for("webhooks.show", subscription_id=webhook.id))


@bp.post("/webhooks/<int:subscription_id>/deliveries/<int:delivery_id>/redeliver")
@login_required
@loads(webhook="manage", webhook_delivery="redeliver")
def redeliver(webhook, webhook_delivery):
    try:
        subscriptions.redeliver(current_user._get_current_object(), webhook_delivery)
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(_("The event will be sent again: it appears at the top of the log."), "success")
    return redirect(url_for("webhooks.show", subscription_id=webhook.id))
