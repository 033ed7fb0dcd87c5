"""What members' own records contribute to the suite-wide tests (see tests/samples.py)."""

import io

from werkzeug.datastructures import FileStorage

from diaspora.members import consents, credentials, profiles
from tests.samples import OWN_OFFICER, OWNER, Person, Tenant, insiders, kind_sample, own_sample, person_sample

PDF = b"%PDF-1.4\n% a small evidence file\n"


def _evidence(name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(PDF), filename=f"{name}.pdf", content_type="application/pdf")


# A member's qualifications and availability are theirs alone.
insiders("credential", "view", OWNER, OWN_OFFICER)
insiders("credential", "change", OWNER, OWN_OFFICER)
insiders("availability", "view", OWNER, OWN_OFFICER)
insiders("availability", "change", OWNER, OWN_OFFICER)


@own_sample("credential")
def officers_own_credential(tenant: Tenant) -> dict:
    made = credentials.add_credential(tenant.officer, kind="qualification", title=tenant.secret("own-credential"),
                                      awarding_body="A college", year=2015, evidence=_evidence("own"))
    return {"credential_id": made.id}


@own_sample("availability")
def officers_own_availability(tenant: Tenant) -> dict:
    from diaspora.core.time import today

    made = credentials.add_availability(tenant.officer, starts_on=today(), ends_on=today(), mode="remote", note="")
    return {"availability_id": made.id}


@kind_sample("credential")
def credential(tenant: Tenant) -> dict:
    made = credentials.add_credential(tenant.member, kind="qualification", title=tenant.secret("credential"),
                                      awarding_body=tenant.secret("body"), year=2019,
                                      evidence=_evidence(tenant.secret("file")))
    return {"credential_id": made.id}


@kind_sample("availability")
def availability(tenant: Tenant) -> dict:
    from diaspora.core.time import today

    made = credentials.add_availability(tenant.member, starts_on=today(), ends_on=today(), mode="remote",
                                        note=tenant.secret("note"))
    return {"availability_id": made.id}


@person_sample
def a_full_profile(person: Person) -> None:
    profiles.update_profile(person.user, {
        "cadre": "nurse", "specialty": person.mark("specialty"), "host_country": "GB",
        "host_city": person.mark("city"), "return_interest": "short_missions", "return_horizon": "within_1_year",
        "heritage_countries": ["GH"], "languages": ["eng", "twi"],
        "skills": [person.mark("skill"), "mentoring"],
    }, version="0")
    consents.change_consents(person.user, directory=True, desks={"GH": True})


@person_sample
def qualifications_with_evidence_and_availability(person: Person) -> None:
    from diaspora.core.time import today

    credentials.add_credential(person.user, kind="qualification", title=person.mark("title"),
                               awarding_body=person.mark("body"), year=2018, evidence=_evidence(person.mark("file")))
    credentials.add_availability(person.user, starts_on=today(), ends_on=today(), mode="either",
                                 note=person.mark("note"))
