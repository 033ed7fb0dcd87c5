"""What the API adds to the suite-wide tests (see tests/samples.py): a token of each tenant for
the token pages, and a person's personal tokens for the erasure scan."""

from datetime import timedelta

from diaspora.api import tokens
from diaspora.core.time import today
from tests.samples import (
    OFFICER,
    OWN_OFFICER,
    Person,
    Tenant,
    admins,
    insiders,
    kind_sample,
    open_to_outsiders,
    own_sample,
    person_sample,
)

# Platform admins see every token (never its secret) and revoke any.
open_to_outsiders("api_token", "view", admins)
open_to_outsiders("api_token", "revoke", admins)

# The tenant's sample is its association's service token: every officer of the association sees
# and revokes it; the officer's own is their personal token.
insiders("api_token", "view", OFFICER, OWN_OFFICER)
insiders("api_token", "revoke", OFFICER, OWN_OFFICER)


@kind_sample("api_token")
def association_token(tenant: Tenant) -> dict:
    made = tokens.create_service(tenant.officer, f"CRM sync of tenant {tenant.label}", ["contributions:read"],
                                 today() + timedelta(days=30), association=tenant.association)
    return {"token_id": made.token.id}


@own_sample("api_token")
def officers_own_token(tenant: Tenant) -> dict:
    made = tokens.create_personal(tenant.officer, f"Script of officer {tenant.label}", ["members:read"],
                                  today() + timedelta(days=30))
    return {"token_id": made.token.id}


@person_sample
def personal_tokens(person: Person) -> None:
    """A token they used (its last address kept) and one they revoked."""
    used = tokens.create_personal(person.user, person.mark("token"), ["contributions:read", "desks:write"],
                                  today() + timedelta(days=10))
    tokens.check_use(used.secret, "192.0.2.77")
    revoked = tokens.create_personal(person.user, person.mark("revoked"), ["members:read"],
                                     today() + timedelta(days=10))
    tokens.revoke(person.user, revoked.token)
