"""Demo data for `make run`: three associations, their members and profiles, pending
applications, contributions, a mission and a partnership (contributions/demo_data.py), the
regulator catalogue and the demo member's licences (licensure/demo_data.py), and two desks.
Idempotent: each record is looked up (by email or slug) before it is made, so running it again
adds only what is missing."""

import random
from datetime import timedelta

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from diaspora.associations.models import (
    Association,
    AssociationHeritageCountry,
    Membership,
    MembershipType,
)
from diaspora.auth import passwords
from diaspora.auth import services as accounts
from diaspora.auth.models import User
from diaspora.core.time import today, utcnow
from diaspora.desks.models import ANY_TOPIC, Desk, DeskOfficer
from diaspora.desks.submissions import routing
from diaspora.extensions import db
from diaspora.members.models import Profile, ProfileHeritageCountry, ProfileLanguage, Skill

DEMO_PASSWORD = "demo-password-kente-baobab"
demo_cli = AppGroup("demo", help="Demo data for trying the app out.")
DOMAIN = "demo.diaspora-health.org"

LOGINS = [
    ("platform admin", "admin", "Ama Mensah", {"is_admin": True}),
    ("association officer", "officer", "Kwame Asante", {}),
    ("member", "member", "Efua Boateng", {}),
    ("desk officer", "desk", "Nana Owusu", {}),
]

TWO_FACTOR_LOGINS = ("admin", "desk")  # two-factor sign-in is required for these roles

ASSOCIATIONS = [
    {
        "slug": "gnma-uk", "name": "Ghana Nurses and Midwives Association UK", "host": "GB",
        "heritage": ["GH"], "status": Association.APPROVED, "officer": "officer",
        "description": "Ghanaian nurses and midwives working in the UK, organising teaching missions "
                       "to regional hospitals and mentoring newly qualified nurses in Ghana.",
        "website": "https://gnma-uk.example.org", "members": 24, "applications": 2,
        "given": ["Abena", "Akosua", "Yaa", "Kofi", "Kojo", "Adwoa", "Esi", "Yaw", "Afia", "Kwabena"],
        "family": ["Mensah", "Owusu", "Boateng", "Appiah", "Darko", "Ofori", "Agyeman", "Addo"],
        "languages": ["eng", "twi", "ewe"],
    },
    {
        "slug": "ndi-ireland", "name": "Nigerian Doctors in Ireland", "host": "IE",
        "heritage": ["NG"], "status": Association.APPROVED, "officer": "ndi-officer",
        "description": "Nigerian-trained doctors in Ireland supporting tele-education and "
                       "specialist outreach with teaching hospitals in Nigeria.",
        "website": "https://ndi.example.org", "members": 14, "applications": 1,
        "given": ["Chinedu", "Ngozi", "Adebayo", "Funmilayo", "Emeka", "Aisha", "Tunde", "Ifeoma"],
        "family": ["Okafor", "Adeyemi", "Bello", "Eze", "Okonkwo", "Balogun", "Nwosu"],
        "languages": ["eng", "yor", "ibo", "hau"],
    },
    {
        "slug": "zhwn-usa", "name": "Zimbabwe Health Workers Network USA", "host": "US",
        "heritage": ["ZW"], "status": Association.PENDING, "officer": None,
        "description": "A new network of Zimbabwean health workers in the United States.",
        "website": None, "members": 0, "applications": 0,
        "given": [], "family": [], "languages": [],
    },
]

CADRE_SPECIALTIES = {
    "nurse": ["Critical care", "Emergency nursing", "Theatre nursing", "Mental health", "Paediatrics"],
    "midwife": ["Community midwifery", "Labour ward", "Neonatal care"],
    "doctor": ["Obstetrics and gynaecology", "General surgery", "Anaesthesia", "Paediatrics",
               "Emergency medicine", "Cardiology"],
    "pharmacist": ["Clinical pharmacy", "Antimicrobial stewardship"],
    "laboratory_scientist": ["Microbiology", "Haematology"],
    "public_health": ["Epidemiology", "Health policy"],
}
SKILLS = ["simulation teaching", "mentoring", "quality improvement", "infection prevention",
          "ultrasound", "neonatal resuscitation", "leadership", "research", "tele-education",
          "sickle cell care", "diabetes care", "maternal health"]


def load() -> list[tuple[str, str]]:
    rng = random.Random(2026)  # the same demo every time
    users = {key: _user(f"{key}@{DOMAIN}", name, **flags) for _, key, name, flags in LOGINS}
    users["ndi-officer"] = _user(f"ndi-officer@{DOMAIN}", "Chiamaka Obi")
    users["zw-applicant"] = _user(f"zw-applicant@{DOMAIN}", "Tendai Moyo")
    for spec in ASSOCIATIONS:
        association = _association(spec, applied_by=users.get("zw-applicant"))
        if spec["status"] != Association.APPROVED:
            continue
        types = _membership_types(association)
        _membership(users[spec["officer"]], association, types[0], Membership.OFFICER)
        _populate(association, spec, types, rng)
    gnma = _by_slug("gnma-uk")
    _membership(users["member"], gnma, _types_of(gnma)[0], Membership.MEMBER)
    _profile(users["member"], "nurse", "Critical care", "GB", "Leeds", ["GH"], ["eng", "twi"],
             ["mentoring", "simulation teaching"], consent=True)
    _profile(users["officer"], "nurse", "Theatre nursing", "GB", "London", ["GH"], ["eng", "twi"],
             ["leadership"], consent=True)
    from diaspora.contributions import demo_data

    demo_data.load(users["officer"], users["member"], gnma, rng)
    from diaspora.licensure import demo_data as licence_demo

    licence_demo.load(users["member"])  # the regulators and safeguards list (reference.load()) first
    _desk_officer(_desk("GH", "Ministry of Health, Ghana", "Diaspora Health Desk"), users["desk"])
    from diaspora.auth import two_factor

    for key in TWO_FACTOR_LOGINS:  # required for their roles: turned on, the secret printed below
        two_factor.enrol_for_demo(users[key])
    _desk("NG", "Federal Ministry of Health, Nigeria", "Nigerians in Diaspora Health Desk")
    db.session.flush()
    from diaspora.desks import demo_data as desk_demo

    desk_demo.load(users["member"], users["desk"], gnma)
    return [(role, f"{key}@{DOMAIN}") for role, key, _, _ in LOGINS]


def _user(email: str, name: str, is_admin: bool = False) -> User:
    user = accounts.find_by_email(email)
    if user is None:
        user = accounts.create_user(name, email, DEMO_PASSWORD, verified=True, is_admin=is_admin)
    return user


def _by_slug(slug: str) -> Association:
    return db.session.scalar(sa.select(Association).where(Association.slug == slug))


def _association(spec: dict, applied_by: User | None) -> Association:
    association = _by_slug(spec["slug"])
    if association is None:
        association = Association(
            name=spec["name"], slug=spec["slug"], host_country=spec["host"], status=spec["status"],
            description=spec["description"], website=spec["website"],
            contact_email=f"contact@{spec['slug']}.example.org",
            applied_by_id=applied_by.id if spec["status"] == Association.PENDING else None,
            decided_at=utcnow() if spec["status"] == Association.APPROVED else None,
        )
        association.heritage = [AssociationHeritageCountry(country=c) for c in spec["heritage"]]
        db.session.add(association)
        db.session.flush()
    return association


def _types_of(association: Association) -> list[MembershipType]:
    return list(db.session.scalars(
        sa.select(MembershipType).where(MembershipType.association_id == association.id)
        .order_by(MembershipType.id)
    ))


def _membership_types(association: Association) -> list[MembershipType]:
    types = _types_of(association)
    if not types:
        types = [
            MembershipType(association_id=association.id, name="Full member", period_months=12,
                           requires_approval=True),
            MembershipType(association_id=association.id, name="Student member", period_months=12,
                           requires_approval=False),
            MembershipType(association_id=association.id, name="Life member", period_months=None,
                           requires_approval=True),
        ]
        db.session.add_all(types)
        db.session.flush()
    return types


def _membership(user: User, association: Association, membership_type: MembershipType, role: str,
                status: str = Membership.ACTIVE, joined_days_ago: int = 200) -> Membership:
    membership = db.session.scalar(
        sa.select(Membership).filter_by(user_id=user.id, association_id=association.id)
    )
    if membership is None:
        joined = today() - timedelta(days=joined_days_ago)
        renews = joined + timedelta(days=365) if membership_type.period_months else None
        # As if each member had renewed on time: an active membership renews in the future (the
        # first `flask memberships update` then mails no backdated lapse notice); a lapsed one
        # lapsed in the past.
        while renews is not None and status == Membership.ACTIVE and renews < today():
            renews += timedelta(days=365)
        if renews is not None and status == Membership.LAPSED and renews >= today():
            renews = today() - timedelta(days=1 + joined_days_ago % 60)
        membership = Membership(
            user_id=user.id, association_id=association.id, membership_type_id=membership_type.id,
            role=role, status=status,
            joined_on=joined if status != Membership.APPLIED else None,
            renews_on=renews if status != Membership.APPLIED else None,
        )
        db.session.add(membership)
    return membership


def _populate(association: Association, spec: dict, types: list[MembershipType], rng: random.Random):
    people = [(g, f) for g in spec["given"] for f in spec["family"]]
    rng.shuffle(people)
    wanted = spec["members"] + spec["applications"]
    for n, (given, family) in enumerate(people[:wanted]):
        email = f"{given}.{family}.{spec['slug']}@{DOMAIN}".lower()
        user = _user_without_password(email, f"{given} {family}")
        cadre = rng.choice(list(CADRE_SPECIALTIES))
        _profile(user, cadre, rng.choice(CADRE_SPECIALTIES[cadre]), spec["host"],
                 rng.choice(["London", "Manchester", "Dublin", "Cork", "Birmingham", "Leeds"]),
                 spec["heritage"], spec["languages"][: rng.randint(1, 3)], rng.sample(SKILLS, 2),
                 consent=rng.random() < 0.7)
        is_application = n >= spec["members"]
        status = Membership.APPLIED if is_application else rng.choice(
            [Membership.ACTIVE] * 6 + [Membership.LAPSED])
        _membership(user, association, rng.choice(types), Membership.MEMBER, status,
                    joined_days_ago=rng.randint(20, 700))


def _user_without_password(email: str, name: str) -> User:
    user = accounts.find_by_email(email)
    if user is None:
        user = User(name=name, email=email, email_verified_at=utcnow(),
                    password_hash=passwords.UNUSABLE_PREFIX + "demo")
        db.session.add(user)
        db.session.flush()
    return user


def _profile(user: User, cadre: str, specialty: str, host: str, city: str, heritage: list[str],
             languages: list[str], skills: list[str], consent: bool) -> None:
    if db.session.get(Profile, user.id) is not None:
        return
    profile = Profile(user_id=user.id, cadre=cadre, specialty=specialty, host_country=host,
                      host_city=city, directory_consent=consent,
                      directory_consent_at=utcnow() if consent else None)
    profile.heritage = [ProfileHeritageCountry(country=c) for c in heritage]
    profile.languages = [ProfileLanguage(language=code) for code in languages]
    profile.skills = [_skill(name) for name in skills]
    db.session.add(profile)


def _skill(name: str) -> Skill:
    skill = db.session.scalar(sa.select(Skill).where(Skill.name == name))
    if skill is None:
        skill = Skill(name=name)
        db.session.add(skill)
        db.session.flush()
    return skill


def _desk(country: str, ministry: str, name: str) -> Desk:
    desk = db.session.scalar(sa.select(Desk).where(Desk.country == country))
    if desk is None:
        desk = Desk(country=country, ministry=ministry, name=name)
        db.session.add(desk)
        db.session.flush()
        routing.set_routes(desk, [ANY_TOPIC])
    return desk


def _desk_officer(desk: Desk, user: User) -> None:
    exists = db.session.scalar(sa.select(DeskOfficer).filter_by(desk_id=desk.id, user_id=user.id))
    if exists is None:
        db.session.add(DeskOfficer(desk_id=desk.id, user_id=user.id))


@demo_cli.command("load")
def load_command() -> None:
    """Load demo data (safe to run again: it adds only what is missing)."""
    from diaspora.core import transaction

    logins = load()
    transaction.commit()
    click.echo(f"Demo logins (password for each: {DEMO_PASSWORD})")
    for role, email in logins:
        click.echo(f"  {role:<22} {email}")
    from diaspora.auth import two_factor

    click.echo("Two-factor sign-in (add the key to an authenticator app as a time-based code):")
    for key in TWO_FACTOR_LOGINS:
        user = accounts.find_by_email(f"{key}@{DOMAIN}")
        click.echo(f"  {user.email:<34} key {two_factor.secret_of(user)}")
    ready = api_tokens()
    transaction.commit()
    from diaspora.core.links import absolute

    click.echo(f"API tokens (Authorization: Bearer …; made afresh at each run; the reference: "
               f"{absolute('api_v1.reference')})")
    for label, secret in ready:
        click.echo(f"  {label:<34} {secret}")


def api_tokens() -> list[tuple[str, str]]:
    """A ready token for the demo member, the demo officer and the demo desk (its service token)."""
    from diaspora.api import demo_data

    member, officer, desk_officer = (accounts.find_by_email(f"{key}@{DOMAIN}") for key in ("member", "officer", "desk"))
    desk = db.session.scalar(sa.select(Desk).where(Desk.country == "GH", Desk.name == "Diaspora Health Desk"))
    return [("member (personal token)", demo_data.personal(member)),
            ("association officer (personal token)", demo_data.personal(officer)),
            (f"{desk.name} (service token)", demo_data.desk_service(desk_officer, desk))]


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_cli)
