"""A person registers an association, the admin approves it, the new officer imports members
from a CSV (one bad row shown in the preview, still shown after the import), one invited
person accepts by creating their account, a visitor applies to join and is approved, and the
directory shows the right people. axe-core runs on every page."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in
from tests.factories import UserFactory
from tests.helpers import link_in
from tests.mailserver import text_body

CSV = (
    b"email,name,cadre,specialty,heritage_countries,membership_type\n"
    b"tatenda@example.org,Tatenda Moyo,nurse,Critical care,ZW,Full member\n"
    b"farai@example.org,Farai Ncube,midwife,Labour ward,ZW,Full member\n"
    b"not-an-email,Broken Row,nurse,,ZW,Full member\n"
    b"nyasha@example.org,Nyasha Dube,doctor,Paediatrics,ZW,Full member\n"
)


@pytest.fixture
def people(db):
    return {
        "founder": UserFactory(name="Tariro Chikwanha", email="tariro@example.org"),
        "admin": UserFactory(name="Platform Admin", email="admin@example.org", admin=True),
        "visitor": UserFactory(name="Rudo Mhlanga", email="rudo@example.org"),
    }


@pytest.fixture
def open_as(browser, live_server):
    contexts = []

    def open_page(user):
        context = browser.new_context()
        contexts.append(context)
        page = context.new_page()
        log_in(page, live_server, user)
        return page

    yield open_page
    for context in contexts:
        context.close()


def test_an_association_from_application_to_directory(people, open_as, live_server, smtp_server,
                                                      assert_accessible):
    founder = open_as(people["founder"])
    founder.get_by_role("link", name="Memberships").first.click()
    founder.get_by_role("link", name="Find an association").click()
    assert_accessible(founder)
    founder.get_by_role("link", name="Register your association").first.click()
    founder.get_by_label("Name of the association").fill("Zimbabwe Nurses Association UK")
    founder.get_by_label("Host country").select_option("GB")
    founder.get_by_role("group", name="Heritage countries").get_by_label("Zimbabwe").check()
    founder.get_by_label("What the association does").fill("Zimbabwean nurses in the UK who teach at home.")
    founder.get_by_role("button", name="Send the application").click()
    expect(founder.locator("#contact_email-error")).to_contain_text("Enter an email address")
    expect(founder.get_by_label("Name of the association")).to_have_value("Zimbabwe Nurses Association UK")
    assert_accessible(founder)
    founder.get_by_label("Contact email address").fill("hello@zna-uk.example.org")
    founder.get_by_role("button", name="Send the application").click()
    expect(founder.get_by_role("heading", level=1)).not_to_contain_text("Register")
    assert_accessible(founder)

    admin = open_as(people["admin"])
    admin.get_by_role("link", name="Review association applications").first.click()  # from the admin home
    expect(admin.get_by_role("heading", name="Association applications")).to_be_visible()
    assert_accessible(admin)
    admin.get_by_role("button", name="Approve Zimbabwe Nurses Association UK").click()
    expect(admin.get_by_text("approved", exact=False).first).to_be_visible()
    assert "approved" in smtp_server.last_to("tariro@example.org")["Subject"].lower()

    founder.goto(live_server.url("/dashboard"))
    founder.get_by_role("link", name="Manage Zimbabwe Nurses Association UK").first.click()
    expect(founder.get_by_role("heading", name="Manage Zimbabwe Nurses Association UK")).to_be_visible()
    assert_accessible(founder)
    founder.get_by_role("link", name="Import members", exact=True).click()
    assert_accessible(founder)
    founder.get_by_label("CSV file").set_input_files(
        files=[{"name": "members.csv", "mimeType": "text/csv", "buffer": CSV}])
    founder.get_by_role("button", name="Upload and check the file").click()
    expect(founder.get_by_role("heading", name="Check the import of members.csv")).to_be_visible()
    broken = founder.get_by_role("row", name="Broken Row")
    expect(broken).to_contain_text("Not imported")
    assert_accessible(founder)
    founder.get_by_role("button", name="Invite 3 people").click()
    expect(founder.get_by_text("3 invitations sent").first).to_be_visible()
    expect(founder.get_by_role("row", name="Broken Row")).to_contain_text("Enter an email address")
    assert_accessible(founder)

    # Tatenda accepts the invitation and creates her account; the others have not answered yet.
    invitation = link_in(text_body(smtp_server.last_to("tatenda@example.org")))
    tatenda = founder.context.browser.new_context().new_page()
    tatenda.goto(live_server.url(invitation))
    expect(tatenda.get_by_role("heading", name="Join Zimbabwe Nurses Association UK")).to_be_visible()
    assert_accessible(tatenda)
    tatenda.get_by_label("Full name").fill("Tatenda Moyo")
    tatenda.get_by_label("Choose a password").fill("baobab kettle harmattan 77")
    tatenda.get_by_role("button", name="Create my account and join").click()
    expect(tatenda.get_by_text("you are now a member of Zimbabwe Nurses Association UK")).to_be_visible()
    tatenda.context.close()

    visitor = open_as(people["visitor"])  # a member of no association yet
    visitor.get_by_role("link", name="Memberships").first.click()
    visitor.get_by_role("link", name="Find an association").click()
    visitor.get_by_role("link", name="Zimbabwe Nurses Association UK").click()
    assert_accessible(visitor)
    visitor.get_by_role("link", name="Apply to join").click()
    visitor.get_by_label("Full member").check()
    assert_accessible(visitor)
    visitor.get_by_role("button", name="Apply to join").click()
    sent = "your application to join Zimbabwe Nurses Association UK is sent"
    expect(visitor.get_by_text(sent)).to_be_visible()

    founder.goto(live_server.url("/dashboard"))
    founder.get_by_role("link", name="Manage Zimbabwe Nurses Association UK").first.click()
    founder.get_by_role("link", name="Applications", exact=True).click()
    expect(founder.get_by_role("row", name="Rudo Mhlanga")).to_be_visible()
    assert_accessible(founder)
    founder.get_by_role("button", name="Approve Rudo Mhlanga").click()
    expect(founder.get_by_text("Rudo Mhlanga", exact=False).first).to_be_visible()
    assert "Zimbabwe Nurses Association UK" in text_body(smtp_server.last_to("rudo@example.org"))

    founder.get_by_role("link", name="Member directory", exact=True).click()
    expect(founder.get_by_role("heading", name="Member directory")).to_be_visible()
    assert_accessible(founder)
    for name in ("Tariro Chikwanha", "Tatenda Moyo", "Rudo Mhlanga"):
        expect(founder.get_by_role("cell", name=name, exact=False).first).to_be_visible()
    for name in ("Farai Ncube", "Nyasha Dube", "Broken Row"):  # invited, not members until they accept
        expect(founder.get_by_text(name)).to_have_count(0)

    founder.get_by_label("Name, specialty or skill").fill("critical care")
    founder.get_by_role("button", name="Search").click()
    expect(founder.get_by_role("cell", name="Tatenda Moyo", exact=False).first).to_be_visible()
    expect(founder.get_by_text("Rudo Mhlanga")).to_have_count(0)
    assert_accessible(founder)

    # Rudo, a member now, sees only fellow members who chose to be listed: none has yet.
    visitor.goto(founder.url.split("?")[0])
    expect(visitor.get_by_role("heading", name="Member directory")).to_be_visible()
    expect(visitor.get_by_text("Tatenda Moyo")).to_have_count(0)
    assert_accessible(visitor)
