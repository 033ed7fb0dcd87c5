"""The words of members' search text (roster/words.py) always equal what the search text says,
after every kind of change, and a word nobody has any longer leaves the vocabulary."""

import threading

import pytest
import sqlalchemy as sa

from diaspora.associations.models import Membership, MembershipWord, SearchWord
from diaspora.auth import services
from diaspora.auth.models import User
from diaspora.core.text import WORD_LENGTH, searchable, words_of
from diaspora.extensions import db
from diaspora.members.models import ProfileSkill, Skill
from tests.factories import DEFAULT_PASSWORD, AssociationFactory, MembershipFactory, ProfileFactory, UserFactory


def stored() -> tuple[set, set]:
    db.session.expire_all()
    words = set(db.session.execute(sa.select(MembershipWord.membership_id, MembershipWord.association_id,
                                             MembershipWord.sort_name, MembershipWord.word)).all())
    return words, set(db.session.scalars(sa.select(SearchWord.word)))


def expected() -> tuple[set, set]:
    db.session.expire_all()
    words = {(m.id, m.association_id, m.sort_name, word)
             for m in db.session.scalars(sa.select(Membership)) for word in words_of(m.search_text)}
    return words, {word for *_, word in words}


def test_the_words_follow_every_change_and_unused_words_leave(db):
    ghana, nigeria = AssociationFactory(), AssociationFactory()
    officer = MembershipFactory(association=ghana, officer=True).user
    ama = UserFactory(name="Ama Quarshie-Mensah")
    ProfileFactory(user=ama, specialty="Neonatal intensive care")
    MembershipFactory(user=ama, association=ghana)
    MembershipFactory(user=ama, association=nigeria)  # one person, two associations
    kofi = UserFactory(name="Kofi Mensah")
    MembershipFactory(user=kofi, association=ghana)
    db.session.commit()
    assert stored() == expected()
    assert {"quarshie-mensah", "neonatal", "care", "mensah"} <= stored()[1]

    ama.name = "Ama Zangmo"  # renamed: her old family name was only hers
    db.session.commit()
    assert stored() == expected()
    assert "quarshie-mensah" not in stored()[1] and "zangmo" in stored()[1]
    assert "mensah" in stored()[1]  # still Kofi's

    ama.profile.specialty = "Midwifery"
    db.session.add(ProfileSkill(user_id=ama.id, skill_id=_skill("Ultrasound").id))
    ama.profile.cadre = "midwife"
    db.session.commit()
    assert stored() == expected()
    assert "neonatal" not in stored()[1] and {"midwifery", "ultrasound"} <= stored()[1]

    stranger = MembershipFactory(association=nigeria, user=UserFactory(name="Temp Person"))
    db.session.commit()
    db.session.delete(stranger)
    db.session.commit()
    assert stored() == expected()
    assert "temp" not in stored()[1]

    db.session.delete(db.session.scalar(sa.select(Membership).where(Membership.user_id == ama.id,
                                                                    Membership.association_id == nigeria.id)))
    db.session.commit()
    assert stored() == expected()
    assert {association for _, association, _, _ in stored()[0]} == {ghana.id}
    assert "zangmo" in stored()[1]  # still hers in the other association

    services.delete_account(kofi, DEFAULT_PASSWORD)
    db.session.commit()
    assert stored() == expected()
    assert "mensah" not in stored()[1] and "kofi" not in stored()[1]
    assert officer is not None


def test_a_long_run_of_letters_is_broken_into_words_the_index_can_hold(db):
    association = AssociationFactory()
    MembershipFactory(association=association, user=UserFactory(name="Ama " + "x" * 100))
    db.session.commit()
    words, vocabulary = stored()
    assert (words, vocabulary) == expected()
    assert max(len(word) for word in vocabulary) == WORD_LENGTH
    assert searchable("Ama " + "x" * 150).split(" ") == ["ama", "x" * 60, "x" * 60, "x" * 30]
    assert "x" * 40 in vocabulary


def _skill(name: str) -> Skill:
    skill = Skill(name=name)
    db.session.add(skill)
    db.session.flush()
    return skill


@pytest.mark.postgres_only
def test_a_word_added_while_its_last_holder_leaves_stays_in_the_vocabulary(app, db):
    """Two transactions at once: one gives Kofi the word "zangmo" (not yet committed) while the
    other renames Ama, its only holder. Without the lock, the rename would see nobody else with
    the word and remove it, and Kofi would be missing from every search for it."""
    association = AssociationFactory()
    ama = MembershipFactory(association=association, user=UserFactory(name="Ama Zangmo")).user
    kofi = MembershipFactory(association=association, user=UserFactory(name="Kofi Owusu")).user
    db.session.commit()
    ama_id, kofi_id = ama.id, kofi.id
    added, renamed = threading.Event(), threading.Event()
    errors = []

    def add_the_word():
        try:
            with app.app_context():
                kofi = db.session.get(User, kofi_id)
                kofi.name = "Kofi Owusu Zangmo"  # a word added, none dropped
                db.session.flush()  # Kofi's words written, not committed
                added.set()
                renamed.wait(timeout=2)  # the rename is waiting for this transaction (or done)
                db.session.commit()
                db.session.remove()
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    def rename_ama():
        try:
            with app.app_context():
                added.wait(timeout=10)
                ama = db.session.get(User, ama_id)
                ama.name = "Ama Asante"
                threading.Timer(0.5, renamed.set).start()
                db.session.commit()
                db.session.remove()
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=add_the_word), threading.Thread(target=rename_ama)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert errors == []
    assert stored() == expected()
    assert "zangmo" in stored()[1]
