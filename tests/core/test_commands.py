from diaspora.auth.models import User
from tests.factories import UserFactory


def test_create_admin_makes_a_verified_admin_who_can_log_in(app, forms, db):
    result = app.test_cli_runner().invoke(args=[
        "users", "create-admin", "--email", "Root@Example.org", "--name", "Platform Admin",
        "--password", "granite willow lantern 8",
    ])
    assert result.exit_code == 0, result.output
    assert "root@example.org is a platform administrator" in result.output
    admin = db.session.scalar(db.select(User).where(User.email == "root@example.org"))
    assert admin.is_admin and admin.is_verified
    assert forms.submit("/login", {"email": "root@example.org",
                                   "password": "granite willow lantern 8"}).status_code == 302


def test_create_admin_refuses_a_weak_password(app, db):
    result = app.test_cli_runner().invoke(args=[
        "users", "create-admin", "--email", "root@example.org", "--name", "Admin", "--password", "password1",
    ])
    assert result.exit_code != 0
    assert "Use at least 10 characters." in result.output
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_create_admin_promotes_an_existing_user(app, db):
    user = UserFactory(email="chipo@example.org")
    result = app.test_cli_runner().invoke(args=[
        "users", "create-admin", "--email", "chipo@example.org", "--name", "x", "--password", "whatever",
    ])
    assert result.exit_code == 0
    db.session.refresh(user)
    assert user.is_admin
