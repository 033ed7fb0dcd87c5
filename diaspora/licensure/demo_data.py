"""Demo licences for `make run`: the regulator catalogue and the safeguards list, and the demo
member's licences in each state the pages show (active, expiring within 90 days, lapsed) with
some CPD logged against them, shared with their associations. Added once: skipped when the
member already has a licence."""

from datetime import timedelta

import sqlalchemy as sa

from diaspora.associations.models import Membership
from diaspora.core.time import today
from diaspora.extensions import db
from diaspora.licensure import licences, reference
from diaspora.licensure.models import Licence, Regulator

# (country, regulator, registration number, issued days ago, expires in days)
LICENCES = [
    ("GH", "NMC", "NMC/RGN/0482761", 320, 45),     # expiring: renew soon
    ("NG", "NMCN", "RN 204-118-37", 700, 400),     # active
    ("KE", "NCK", "NCK/RN/33015", 1150, -12),      # lapsed twelve days ago
]
# (title, provider, days ago, hours, CPD it gave, its unit)
CPD = [
    ("Advanced life support refresher", "Resuscitation Council UK", 60, 6, 6, "points"),
    ("Sepsis management e-learning", "NHS e-Learning for Healthcare", 130, 3, 3, "credits"),
    ("Infection prevention and control update", "Leeds Teaching Hospitals", 210, 2, None, None),
]


def load(member) -> None:
    reference.load()
    if db.session.scalar(sa.select(Licence.id).where(Licence.user_id == member.id).limit(1)):
        return
    for country, short_name, number, issued_days_ago, expires_in in LICENCES:
        regulator = db.session.scalar(sa.select(Regulator).where(Regulator.country == country,
                                                                  Regulator.short_name == short_name))
        if regulator is None:  # an admin removed it from the catalogue
            continue
        licences.add_licence(member, {
            "regulator_id": regulator.id, "registration_number": number, "category": "full",
            "issued_on": today() - timedelta(days=issued_days_ago),
            "expires_on": today() + timedelta(days=expires_in), "reminders": True})
    for title, provider, days_ago, hours, amount, unit in CPD:
        licences.log_activity(member, title=title, provider=provider, completed_on=today() - timedelta(days=days_ago),
                              hours=hours, amount=amount, unit=unit)
    # The demo member lets their associations' officers see their licences (the overview, a mission's team).
    licences.choose_sharing(member, {association_id: True for association_id in db.session.scalars(
        sa.select(Membership.association_id).where(Membership.user_id == member.id,
                                                   Membership.status == Membership.ACTIVE))})
