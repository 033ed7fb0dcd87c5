"""What members' own records contribute to the suite-wide tests (see tests/samples.py)."""

import io

from werkzeug.datastructures import FileStorage

from diaspora.members import consents, credentials, profiles
from tests.samples import Person, Tenant, kind_sample, person_sample

PDF = b"%PDF-1.4\n% a small evidence file\n"


def _evidence(name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(PDF), filename=f"{name}.pdf", content_type="application/pdf")


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
