import re

import pytest

from tests.conftest import csrf_token_from, log_in_session

VERSION = re.compile(r'id="version" name="version" type="hidden" value="(\d*)"')


class ProfileForms:
    """Sends the profile form as a browser would: with the CSRF token and the version it showed."""

    def __init__(self, client):
        self.client = client

    def submit(self, data: dict):
        page = self.client.get("/profile/edit").get_data(as_text=True)
        return self.client.post("/profile/edit", data={
            "csrf_token": csrf_token_from(page), "version": VERSION.search(page).group(1), **data,
        })


@pytest.fixture
def profile_forms(client):
    return ProfileForms(client)


@pytest.fixture
def logged_in_client(app):
    """`logged_in_client(user)`: a second browser, logged in as `user`."""

    def make(user):
        other = app.test_client()
        log_in_session(other, user)
        return other

    return make
