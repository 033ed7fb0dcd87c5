"""A member's calendar feed: every licence's expiry as an all-day event with alarms, at a secret
address the member can revoke (a new address replaces it). RFC 5545 through `icalendar`: each
event has a stable UID (the licence and its expiry date) and a DTSTAMP."""

import secrets
from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event

from diaspora.core import audit
from diaspora.core.countries import country_name
from diaspora.core.i18n import _
from diaspora.core.time import utcnow
from diaspora.extensions import db
from diaspora.licensure.licences import licences_of
from diaspora.licensure.models import LicenceFeed

ALARMS_DAYS_BEFORE = (30, 7)


def feed_of(user) -> LicenceFeed:
    """The member's feed, made on first use."""
    feed = db.session.get(LicenceFeed, user.id)
    if feed is None:
        feed = LicenceFeed(user_id=user.id, token=secrets.token_urlsafe(32))
        db.session.add(feed)
        db.session.flush()
        audit.record("licence.feed_created", None, actor=user, subject=user)
    return feed


def renew(user) -> LicenceFeed:
    """A new secret address; the old one stops working at once."""
    feed = feed_of(user)
    feed.token, feed.created_at = secrets.token_urlsafe(32), utcnow()
    db.session.flush()
    audit.record("licence.feed_renewed", None, actor=user, subject=user)
    return feed


def calendar_of(feed: LicenceFeed, *, domain: str, licence_url) -> bytes:
    """`licence_url(licence)` gives each event's link to the licence page."""
    calendar = Calendar()
    calendar.add("prodid", "-//Diaspora Health Network//Licence renewals//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("Licence renewals"))
    stamp = datetime.now(UTC)
    for licence in licences_of(feed.user_id):
        if licence.expires_on is None:
            continue
        regulator = licence.regulator
        event = Event()
        event.add("uid", f"licence-{licence.id}-{licence.expires_on.isoformat()}@{domain}")
        event.add("dtstamp", stamp)
        event.add("dtstart", licence.expires_on)
        event.add("dtend", licence.expires_on + timedelta(days=1))
        event.add("summary", _("%(regulator)s licence expires (%(country)s)", regulator=regulator.short_name,
                               country=country_name(regulator.country)))
        # No registration number: a calendar travels through other companies' servers.
        event.add("description", _("Your registration with %(regulator)s is valid until this day.",
                                   regulator=regulator.name))
        event.add("url", licence_url(licence))
        event.add("transp", "TRANSPARENT")
        for days in ALARMS_DAYS_BEFORE:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", _("Renew your %(regulator)s licence", regulator=regulator.short_name))
            alarm.add("trigger", timedelta(days=-days))
            event.add_component(alarm)
        calendar.add_component(event)
    return calendar.to_ical()
