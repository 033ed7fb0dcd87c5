"""A person registers an association, the admin approves it, the new officer imports members
from a CSV (one bad row shown in the preview), a visitor applies to join and is approved,
and the directory shows the right people. axe-core runs on every page."""

import pytest
from playwright.sync_api import expect

from tests.factories import DEFAULT_PASSWORD, UserFactory
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
        page.goto(live_server.url("/login"))
        page.get_by_label("Email address").fill(user.email)
        page.get_by_label("Password").fill(DEFAULT_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name=f"Welcome, {user.name}")).to_be_visible()
        return page

    yield open_page
    for context in contexts:
        context.close()


def test_an_association_from_application_to_directory(people, open_as, live_server, smtp_server,
                                                      assert_accessible):
    founder = open_as(people["founder"])
    founder.get_by_role("link", name="Associations").first.click()
    assert_accessible(founder)
    founder.get_by_role("link", name="register your association").click()
    founder.get_by_label("Name of the association").fill("Zimbabwe Nurses Association UK")
    founder.get_by_label("Host country").select_option("GB")
    founder.get_by_label("Heritage countries").select_option(["ZW"])
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
    admin.get_by_role("link", name="Review associations").first.click()
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
    founder.get_by_role("button", name="Import 3 members").click()
    expect(founder.get_by_text("3 members imported").first).to_be_visible()
    assert_accessible(founder)

    visitor = open_as(people["visitor"])
    visitor.get_by_role("link", name="Associations").first.click()
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
    for name in ("Tariro Chikwanha", "Tatenda Moyo", "Farai Ncube", "Nyasha Dube", "Rudo Mhlanga"):
        expect(founder.get_by_role("cell", name=name, exact=False).first).to_be_visible()
    expect(founder.get_by_text("Broken Row")).to_have_count(0)

    founder.get_by_label("Name, specialty or skill").fill("paediatrics")
    founder.get_by_role("button", name="Search").click()
    expect(founder.get_by_role("cell", name="Nyasha Dube", exact=False).first).to_be_visible()
    expect(founder.get_by_text("Farai Ncube")).to_have_count(0)
    assert_accessible(founder)

    # Rudo, a member now, sees only fellow members who chose to be listed: none has yet.
    visitor.goto(founder.url.split("?")[0])
    expect(visitor.get_by_role("heading", name="Member directory")).to_be_visible()
    expect(visitor.get_by_text("Tatenda Moyo")).to_have_count(0)
    assert_accessible(visitor)
