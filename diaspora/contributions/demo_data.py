"""Demo contributions for `make run`: a year of varied work by the demo member and some of
their fellow members, in every status, one reported mission with its team and one upcoming,
and a Health Partnership, so that the portfolio, the queue, the verification page and the
impact dashboard show something real. Added once: skipped when the demo member already has contributions."""

import random
from datetime import timedelta

import sqlalchemy as sa

from diaspora.associations.models import Association, Membership
from diaspora.contributions.logbook import logbook
from diaspora.contributions.models import Contribution, Mission, MissionMember, Partnership
from diaspora.contributions.verification import verification
from diaspora.core.time import today, utcnow
from diaspora.extensions import db

WORK = [
    ("tele_education", "Neonatal resuscitation webinar for Tamale midwives", "GH-NP", 2.5, 38, 0),
    ("mentoring", "Mentoring two newly qualified ICU nurses", "GH-AA", 12, 2, 0),
    ("training", "Sepsis recognition workshop, Komfo Anokye", "GH-AH", 16, 45, 0),
    ("teleconsultation", "Remote advice on a burns ward", "GH-AA", 4, 0, 6),
    ("supplies_donation", "Pulse oximeters for a district hospital", "GH-BO", None, 0, 0),
    ("policy_advice", "Comments on the national nursing CPD framework", None, 6, 0, 0),
    ("research", "Audit of hand hygiene compliance", "GH-CP", 20, 0, 0),
    ("training", "Basic life support course for community nurses", "GH-TV", 8, 30, 0),
]

# Demo content, in English like the rest of the demo data (not interface text).
MISSION = {"title": "Tamale neonatal skills mission", "facility": "Tamale Teaching Hospital"}
UPCOMING = {"title": "Bolgatanga maternity skills mission", "facility": "Upper East Regional Hospital"}


def load(officer, member, association: Association, rng: random.Random) -> None:
    if db.session.scalar(sa.select(Contribution.id).where(Contribution.user_id == member.id).limit(1)):
        return
    partnership = _partnership(association)
    for n, (kind, title, region, hours, trained, reached) in enumerate(WORK):
        day = today() - timedelta(days=20 + n * 40)
        made = logbook.log(member, {
            "kind": kind, "title": title, "country": "GH", "region": region, "starts_on": day, "ends_on": day,
            "hours": hours, "people_trained": trained or None, "patients_reached": reached or None,
            "mode": "remote" if kind in ("tele_education", "teleconsultation", "policy_advice") else "in_person",
            "cpd_points": hours and round(hours / 2, 1),
            "supplies_value": 2400 if kind == "supplies_donation" else None,
            "currency": "GBP" if kind == "supplies_donation" else None,
            "description": "Logged as part of the demo data.",
        })
        if n >= 6:
            continue  # the two most recent stay a draft
        logbook.submit(member, made, association)
        if n == 5:
            verification.return_to_member(officer, made, "Please attach the comments you sent to the ministry.")
        elif n != 4:
            if kind == "training":
                made.partnership_id = partnership.id
            verification.verify(officer, made)
    _fellows(officer, association, rng)
    _mission(officer, member, association, partnership)
    _upcoming_mission(officer, member, association)


def _partnership(association: Association) -> Partnership:
    made = Partnership(association_id=association.id, name="Leeds–Tamale Neonatal Partnership",
                       host_institution="Leeds Teaching Hospitals NHS Trust",
                       heritage_institution="Tamale Teaching Hospital", country="GH",
                       aims="Fewer newborn deaths through training in resuscitation and kangaroo care.",
                       focal_people="Neonatal unit leads at both hospitals",
                       starts_on=today() - timedelta(days=400))
    db.session.add(made)
    db.session.flush()
    return made


def _fellows(officer, association: Association, rng: random.Random) -> None:
    """Verified work by other active members, for the dashboard's months and regions."""
    fellows = list(db.session.scalars(
        sa.select(Membership.user_id).where(Membership.association_id == association.id,
                                            Membership.status == Membership.ACTIVE,
                                            Membership.role == Membership.MEMBER).limit(12)))
    from diaspora.auth.models import User

    for user_id in fellows:
        user = db.session.get(User, user_id)
        for _ in range(rng.randint(1, 3)):
            kind, title, region, hours, trained, reached = rng.choice(WORK)
            day = today() - timedelta(days=rng.randint(10, 360))
            made = logbook.log(user, {"kind": kind, "title": title, "country": "GH", "region": region,
                                      "starts_on": day, "hours": hours, "people_trained": trained or None,
                                      "patients_reached": reached or None})
            logbook.submit(user, made, association)
            if rng.random() < 0.8:
                verification.verify(officer, made)


def _mission(officer, member, association: Association, partnership: Partnership) -> None:
    """A mission last spring, completed and reported: its team's contributions are verified,
    except the reporting officer's own, which awaits another officer (nobody verifies their own)."""
    starts = today() - timedelta(days=200)
    mission = Mission(association_id=association.id, partnership_id=partnership.id, country="GH", region="GH-NP",
                      **MISSION, starts_on=starts, ends_on=starts + timedelta(days=9), status="reported",
                      patients_seen=140, procedures=12, people_trained=60, supplies_value=3000, currency="GBP",
                      outcomes="Sixty nurses and midwives trained in newborn resuscitation.", reported_at=utcnow())
    db.session.add(mission)
    db.session.flush()
    for person, role in ((officer, "Team lead"), (member, "Neonatal nurse trainer")):
        db.session.add(MissionMember(mission_id=mission.id, user_id=person.id, role=role, status="accepted"))
        made = logbook.log(person, {"kind": "mission", "title": mission.title, "country": "GH", "region": "GH-NP",
                                    "partner": mission.facility, "starts_on": mission.starts_on,
                                    "ends_on": mission.ends_on, "hours": 70, "people_trained": 60,
                                    "patients_reached": 140})
        made.mission_id, made.partnership_id = mission.id, partnership.id
        made.association_id, made.submitted_at = association.id, utcnow()
        logbook.move(made, "submit", actor=officer)
        if logbook.may_decide(officer, made):
            verification.verify(officer, made)
    db.session.flush()


def _upcoming_mission(officer, member, association: Association) -> None:
    """A mission in two months, its team agreed: its page shows the team's licences in Ghana."""
    starts = today() + timedelta(days=60)
    mission = Mission(association_id=association.id, country="GH", region="GH-UE", **UPCOMING, starts_on=starts,
                      ends_on=starts + timedelta(days=9), status="planned")
    db.session.add(mission)
    db.session.flush()
    for person, role in ((officer, "Team lead"), (member, "Midwifery trainer")):
        db.session.add(MissionMember(mission_id=mission.id, user_id=person.id, role=role, status="accepted"))
    db.session.flush()
