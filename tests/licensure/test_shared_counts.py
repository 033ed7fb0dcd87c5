"""The licence overview reads rows that triggers keep (`shared_licences`, `shared_licence_counts`):
after every kind of change they equal what the licences, sharing choices and memberships say
now, and the overview's counts equal a live count for any day (the month and day rows meet at
the boundaries exactly)."""

import random
from collections import Counter
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from diaspora.associations import memberships, renewals
from diaspora.associations.models import Association, Membership, MembershipType
from diaspora.auth import services as accounts
from diaspora.core import transaction
from diaspora.core.domain import DomainError
from diaspora.core.time import today
from diaspora.extensions import db
from diaspora.licensure import catalogue, licences, overview
from diaspora.licensure.models import (
    UNKNOWN_EXPIRY_KEY,
    Licence,
    LicenceSharing,
    SharedLicence,
    SharedLicenceCount,
    status_on,
)
from tests.factories import (
    DEFAULT_PASSWORD,
    AssociationFactory,
    MembershipFactory,
    MembershipTypeFactory,
    UserFactory,
)
from tests.licensure.samples import a_regulator

SHARED_COLUMNS = (SharedLicence.licence_id, SharedLicence.association_id, SharedLicence.user_id,
                  SharedLicence.regulator_id, SharedLicence.country, SharedLicence.expires_on)


def _keys(expires_on: date | None) -> list[tuple[str, date]]:
    if expires_on is None:
        return [("unknown", UNKNOWN_EXPIRY_KEY)]
    return [("day", expires_on), ("month", expires_on.replace(day=1))]


def live_rows() -> set[tuple]:
    return {tuple(row) for row in db.session.execute(overview.live_shared())}


def live_counts_on(live: set[tuple], association_id: int, day: date) -> dict[str, dict[str, int]]:
    """country -> status -> count, from the licences themselves (`status_on`, in Python)."""
    counts: dict[str, Counter] = {}
    for _licence, association, _user, _regulator, country, expires_on in live:
        if association == association_id:
            counts.setdefault(country, Counter())[status_on(expires_on, day).value] += 1
    return {country: dict(by_status) for country, by_status in counts.items()}


def page_counts_on(association_id: int, day: date) -> dict[str, dict[str, int]]:
    counts = overview.counts_of(db.session.get(Association, association_id), day)
    return {country: {status: n for status, n in by_status.items() if n}
            for country, by_status in counts.by_country.items()}


def assert_kept_true(*days: date) -> None:
    transaction.commit()
    db.session.expire_all()
    live = live_rows()
    assert {tuple(row) for row in db.session.execute(sa.select(*SHARED_COLUMNS))} == live
    expected = Counter()
    for _licence, association, _user, _regulator, country, expires_on in live:
        for span, starts_on in _keys(expires_on):
            expected[(association, span, starts_on, country)] += 1
    kept = {(row.association_id, row.span, row.starts_on, row.country): row.count
            for row in db.session.scalars(sa.select(SharedLicenceCount)) if row.count}
    assert kept == dict(expected)
    for association_id in db.session.scalars(sa.select(Association.id)):
        for day in days or (today(),):
            assert page_counts_on(association_id, day) == live_counts_on(live, association_id, day), day


def holding(member, days: int | None, country: str = "GH", short_name: str = "NMC") -> Licence:
    return licences.add_licence(member, {
        "regulator_id": a_regulator(country, short_name).id, "registration_number": "PIN-1", "category": "full",
        "issued_on": None, "expires_on": None if days is None else today() + timedelta(days=days),
        "reminders": True})


def change_licence(member, licence: Licence, **values) -> None:
    current = {name: getattr(licence, name) for name in licences.LICENCE_FIELDS}
    licences.update_licence(member, licence, current | values, licence.version)


def test_every_kind_of_change_keeps_the_shared_licences_and_their_counts_true(app, db):
    association = AssociationFactory()
    other = AssociationFactory()
    kind = MembershipTypeFactory(association=association, requires_approval=True, period_months=12)
    officer = MembershipFactory(association=association, officer=True).user
    MembershipFactory(association=other, officer=True)
    ama, kofi, esi = UserFactory(), UserFactory(), UserFactory()
    for person in (ama, kofi):
        MembershipFactory(association=association, user=person, membership_type=kind)
    MembershipFactory(association=other, user=ama)
    assert_kept_true()

    # licences added before and after choosing to share, in several countries, some unknown
    first = holding(ama, 40)
    licences.choose_sharing(ama, {association.id: True})
    assert_kept_true()
    holding(ama, -3, "NG", "NMCN")
    holding(ama, None, "KE", "NCK")
    holding(ama, 400)
    licences.choose_sharing(ama, {other.id: True})
    kofi_licence = holding(kofi, 85)
    licences.choose_sharing(kofi, {association.id: True})
    assert_kept_true()

    # a licence's expiry moved (within the month, to another month, to unknown, back), its
    # regulator changed, a licence deleted
    change_licence(ama, first, expires_on=first.expires_on + timedelta(days=1))
    assert_kept_true()
    change_licence(ama, first, expires_on=today() + timedelta(days=200))
    change_licence(kofi, kofi_licence, expires_on=None)
    assert_kept_true()
    change_licence(kofi, kofi_licence, expires_on=today() - timedelta(days=400))
    change_licence(ama, first, regulator_id=a_regulator("NG", "NMCN").id)
    assert_kept_true()
    licences.delete_licence(ama, first)
    assert_kept_true()

    # sharing stopped and started again; one association's choice leaves the other's alone
    licences.choose_sharing(ama, {association.id: False})
    assert_kept_true()
    licences.choose_sharing(ama, {association.id: True})
    assert_kept_true()

    # memberships: suspended, reinstated, lapsed in bulk, renewed, ended, left, an application
    # approved for someone who already shared
    ama_there = memberships.membership_for(ama, association)
    memberships.suspend(ama_there, officer)
    assert_kept_true()
    memberships.reinstate(ama_there, officer)
    ama_there.renews_on = today() - timedelta(days=1)
    assert_kept_true()
    assert renewals.lapse_due() == 1
    assert_kept_true()
    memberships.renew(ama_there, officer)
    assert_kept_true()
    kofi_there = memberships.membership_for(kofi, association)
    memberships.leave(kofi_there, kofi)
    assert_kept_true()
    db.session.add(LicenceSharing(user_id=esi.id, association_id=association.id, shared=True))
    holding(esi, 10)
    application = memberships.join(esi, association, kind)
    assert_kept_true()
    memberships.approve_application(application, officer)
    assert_kept_true()
    memberships.end(memberships.membership_for(esi, association), officer)
    assert_kept_true()

    # an admin moves a regulator to another country
    regulator = a_regulator("KE", "NCK")
    values = {name: getattr(regulator, name) for name in catalogue.REGULATOR_FIELDS} | {"country": "UG"}
    assert catalogue.update_regulator(UserFactory(admin=True), regulator, values, regulator.version)
    assert_kept_true()

    # bulk statements, as an operator's script would write them
    db.session.execute(sa.update(Licence).where(Licence.user_id == ama.id)
                       .values(expires_on=today() + timedelta(days=30)))
    assert_kept_true()
    db.session.execute(sa.insert(Licence).from_select(
        ["user_id", "regulator_id", "registration_number", "category", "expires_on", "reminders", "created_at",
         "version"],
        sa.select(Membership.user_id, sa.literal(a_regulator().id), sa.literal("BULK"), sa.literal("full"),
                  sa.literal(today() + timedelta(days=60)), sa.true(), sa.func.current_timestamp(), sa.literal(1))
        .where(Membership.association_id == association.id)))
    assert_kept_true()
    db.session.execute(sa.update(LicenceSharing).values(shared=True))
    db.session.execute(sa.update(Membership).where(Membership.association_id == other.id)
                       .values(status=Membership.SUSPENDED))
    assert_kept_true()

    # an account erased: its licences, choices and memberships go, and with them its rows
    accounts.delete_account(ama, DEFAULT_PASSWORD)
    assert_kept_true()
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(SharedLicence)
                                 .where(SharedLicence.user_id == ama.id))

    # an association closed (its rows first, as the foreign keys do on PostgreSQL)
    for model in (Membership, LicenceSharing, MembershipType):
        db.session.execute(sa.delete(model).where(model.association_id == association.id))
    db.session.execute(sa.delete(Association).where(Association.id == association.id))
    assert_kept_true()
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(SharedLicence)
                                 .where(SharedLicence.association_id == association.id))


def test_the_counts_are_true_on_every_day_across_month_ends(app, db):
    """A licence expiring on every few days over 15 months, around today, plus the ends and
    beginnings of months: the overview's counts equal a live count on each day of a year,
    so the month rows and the day rows meet exactly at both boundaries (today, and today + 90)."""
    association = AssociationFactory()
    start = today().replace(day=1) - timedelta(days=200)
    offsets = list(range(0, 460, 3))
    for step, offset in enumerate(offsets):
        member = UserFactory()
        MembershipFactory(association=association, user=member)
        licences.choose_sharing(member, {association.id: True})
        expiry = start + timedelta(days=offset)
        month_end = (expiry.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        for day in sorted({expiry, expiry.replace(day=1), month_end}):
            holding(member, (day - today()).days, *(("GH", "NMC") if step % 2 else ("NG", "NMCN")))
    holding(member, None)
    transaction.commit()
    days = [start + timedelta(days=n) for n in range(0, 400)]
    assert_kept_true(*days)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_random_walk_of_members_and_officers_keeps_the_rows_true(db, seed):
    rng = random.Random(seed)
    association = AssociationFactory()
    kind = MembershipTypeFactory(association=association, period_months=12, requires_approval=False)
    officer = MembershipFactory(association=association, officer=True).user
    people = [MembershipFactory(association=association, membership_type=kind) for _ in range(6)]
    regulators = [a_regulator(), a_regulator("NG", "NMCN"), a_regulator("KE", "NCK")]
    for membership in people:
        holding(membership.user, rng.choice([None, -10, 30, 200]))
        licences.choose_sharing(membership.user, {association.id: rng.random() < 0.7})
    transaction.commit()
    done = Counter()
    for _ in range(120):
        membership = rng.choice(people)
        member = membership.user
        action = rng.choice(["add", "change", "delete", "share", "unshare", "leave", "join",
                             *memberships.OFFICER_CHANGES])
        held = list(db.session.scalars(sa.select(Licence).where(Licence.user_id == member.id)))
        try:
            if action == "add":
                holding(member, rng.choice([None, -30, 0, 1, 89, 90, 91, 300]))
            elif action == "change" and held:
                change_licence(member, rng.choice(held), regulator_id=rng.choice(regulators).id,
                               expires_on=rng.choice([None, today() + timedelta(days=rng.randint(-60, 200))]))
            elif action == "delete" and held:
                licences.delete_licence(member, rng.choice(held))
            elif action in ("share", "unshare"):
                db.session.merge(LicenceSharing(user_id=member.id, association_id=association.id,
                                                shared=action == "share"))
            elif action == "leave":
                memberships.leave(membership, member)
            elif action == "join":
                memberships.join(member, association, kind)
            elif action in memberships.OFFICER_CHANGES:
                memberships.OFFICER_CHANGES[action](membership, officer)
            db.session.flush()
        except DomainError:
            transaction.rollback()
            continue
        transaction.commit()
        done[action] += 1
        if done.total() % 20 == 0:
            assert_kept_true()
    assert {"add", "change", "delete", "share", "unshare", "suspend", "leave", "join"} <= set(done), done
    assert_kept_true(today(), today() + timedelta(days=45))


@pytest.mark.postgres_only
@pytest.mark.parametrize("shares_after", [False, True])
def test_a_licence_added_while_the_member_changes_their_choice_follows_the_choice(app, db, shares_after):
    """Two transactions at once: the member adds a licence in one, and stops (or starts)
    sharing in the other. The second waits for the first (the triggers lock the member's
    memberships), then sees its licence: a member who stopped sharing never leaves a licence
    shared, and one who started sees it counted."""
    import threading

    association = AssociationFactory()
    member = UserFactory()
    MembershipFactory(association=association, user=member)
    db.session.add(LicenceSharing(user_id=member.id, association_id=association.id, shared=not shares_after))
    regulator_id = a_regulator().id
    transaction.commit()

    adding, choosing = db.engine.connect(), db.engine.connect()
    try:
        adding.begin()
        adding.execute(sa.insert(Licence).values(
            user_id=member.id, regulator_id=regulator_id, registration_number="PIN-9", category="full",
            expires_on=today() + timedelta(days=20), reminders=True, created_at=sa.func.now(), version=1))

        def choose() -> None:
            with choosing.begin():
                choosing.execute(sa.update(LicenceSharing).where(LicenceSharing.user_id == member.id)
                                 .values(shared=shares_after))

        other = threading.Thread(target=choose)
        other.start()
        other.join(timeout=1)
        assert other.is_alive(), "the change of choice should wait for the licence being added"
        adding.commit()
        other.join(timeout=10)
        assert not other.is_alive()
    finally:
        adding.close()
        choosing.close()
    db.session.expire_all()
    shared = db.session.scalar(sa.select(sa.func.count()).select_from(SharedLicence)
                               .where(SharedLicence.user_id == member.id))
    assert shared == (1 if shares_after else 0)
    assert_kept_true()


LATER_MIGRATION = '''"""a later change to regulators, in batch mode (as SQLite needs)"""
import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "later_batch_change"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("regulators", recreate="always") as batch_op:  # copy, drop, rename
        batch_op.add_column(sa.Column("later", sa.String(10)))
    path = next(Path(__file__).parent.glob("*_shared_licences.py"))
    spec = importlib.util.spec_from_file_location("shared_licences_migration", path)
    shared = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(shared)
    shared.recreate_sqlite_triggers("regulators")


def downgrade():
    pass
'''


@pytest.mark.sqlite_only
def test_a_later_batch_migration_keeps_the_triggers_working(tmp_path, smtp_server, database_url):
    """SQLite re-reads every trigger when a batch migration renames its copy of a table: the
    shared licences' triggers name memberships, licences and regulators, so without the legacy
    rename (migrations/env.py) a later batch change to any of them would fail. With it, the
    change goes through, the triggers on the other tables keep working, and those on the table
    itself are made again (`recreate_sqlite_triggers`)."""
    import shutil
    from pathlib import Path

    from alembic.script import ScriptDirectory
    from flask_migrate import upgrade

    from diaspora import create_app
    from tests.conftest import app_config

    migrations = tmp_path / "migrations"
    shutil.copytree(Path(__file__).parents[2] / "migrations", migrations)
    fresh = create_app(app_config(f"sqlite:///{tmp_path / 'later.sqlite'}", smtp_server))
    with fresh.app_context():
        config = fresh.extensions["migrate"].migrate.get_config(str(migrations))
        head = ScriptDirectory.from_config(config).get_current_head()
        (migrations / "versions" / "29991231_later_batch_change.py").write_text(LATER_MIGRATION.format(head=head))
        upgrade(directory=str(migrations))
        association = AssociationFactory()
        member = MembershipFactory(association=association).user
        licences.choose_sharing(member, {association.id: True})
        holding(member, 30)
        regulator = a_regulator()
        regulator.country = "UG"
        transaction.commit()
        assert db.session.execute(sa.select(SharedLicence.user_id, SharedLicence.country)).all() == [(member.id, "UG")]
        db.session.remove()
        db.engine.dispose()
