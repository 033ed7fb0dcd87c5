"""Schemathesis, a tool we did not write, judges the API against its own OpenAPI document: every
operation, with a token of each role (a member, an association officer, a desk officer, a
platform admin, and the service tokens of an association and of a desk), positive and negative
data, all of its checks, as `st run --checks all` (no server error; every status, content type,
header and body as the document says; invalid data refused, valid data accepted; a missing
token refused; unsupported methods refused ...; only `max_response_time`, which needs a limit,
is off by default).

The ids in paths are drawn half the time from the world's real objects (tests/world.py), so
the checks see real answers, not only 404s. Two expectations are widened, and why:
* valid data may still break a rule the document cannot express (a day in the future, a draft
  that is no longer a draft, a version someone saved since): `positive_data_acceptance` accepts
  the 412, 422 and 428 the document describes for those;
* If-Match, where it is required, is refused with 428 Precondition Required when it is missing
  (RFC 6585), which `missing_required_header` is told to accept.

It runs Schemathesis's engine (what `st run` runs) against the app served on loopback: its
pytest loader (`schemathesis.pytest.from_fixture`) reads `node._nodeid`, which pytest 9.2 no
longer has, and its in-process WSGI transport passes the engine's `max_redirects` to werkzeug,
which refuses it (Schemathesis 4.32).

Bounded: a few examples per operation and role (`API_FUZZ_EXAMPLES`), so the whole run takes a
few minutes."""

import contextlib
import os
import threading

import pytest
import schemathesis
import schemathesis.engine
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events
from werkzeug.serving import make_server

from tests.api.support import personal_token, service_token
from tests.samples import DESK_OFFICER, OWNER
from tests.world import build_world

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "4"))
SEED = int(os.environ.get("API_FUZZ_SEED", "20261206"))  # the same cases each run, unless asked otherwise
ROLES = ("member", "association officer", "desk officer", "platform admin", "association's service token",
         "desk's service token")
ID_PARAMETERS = ("contribution_id", "evidence_id", "mission_id", "membership_id", "desk_id", "submission_id",
                 "licence_id", "subscription_id", "delivery_id")


def _ids(world) -> dict[str, list]:
    found: dict[str, list] = {name: [] for name in (*ID_PARAMETERS, "slug", "token")}
    for tenant in (world.a, world.b):
        for params in (*tenant.params.values(), *tenant.own_params.values()):
            for name, value in params.items():
                if name in found and value not in found[name]:
                    found[name].append(value)
    return {name: values for name, values in found.items() if values}


def _config(world, token: str) -> SchemathesisConfig:
    ids = _ids(world)
    return SchemathesisConfig.from_dict({
        "seed": SEED,
        "headers": {"Authorization": f"Bearer {token}"},
        "generation": {"max-examples": EXAMPLES, "mode": "all"},
        "phases": {"stateful": {"enabled": False}},
        "dictionaries": {f"{name}s": {"values": values} for name, values in ids.items()},
        "parameters": {f"path.{name}": {"dictionary": f"{name}s", "probability": 0.5} for name in ids},
        "checks": {
            "positive_data_acceptance": {"expected-statuses": ["2xx", "401", "403", "404", "409", "412", "422",
                                                               "428", "429"]},
            "missing_required_header": {"expected-statuses": ["400", "401", "403", "406", "415", "422", "428"]},
        },
    })


def _token(role: str, world) -> str:
    tenant = world.a
    if role == "member":
        return personal_token(tenant.people[OWNER])
    if role == "association officer":
        return personal_token(tenant.officer)
    if role == "desk officer":
        return personal_token(tenant.people[DESK_OFFICER])
    if role == "platform admin":
        return personal_token(world.admin)
    if role == "association's service token":
        return service_token(tenant.officer, association=tenant.association)
    return service_token(tenant.people[DESK_OFFICER], desk=tenant.extra["desk"])


@contextlib.contextmanager
def serving(app):
    """The app behind a real HTTP server on loopback, in a thread: each request in a context of
    its own, as in production (not the test's)."""
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def _failures(base_url: str, config: SchemathesisConfig) -> list[str]:
    """Run Schemathesis's engine (what `st run` runs) against the served app; each failed check
    with the request that reproduces it."""
    schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json", config=config)
    found = []
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.NonFatalError):
            found.append(f"{event.label}: {event.value!r}")
        if isinstance(event, events.ScenarioFinished) and event.status == Status.FAILURE:
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.status == Status.FAILURE and check.failure_info is not None:
                        failure = check.failure_info.failure
                        found.append(f"{event.recorder.label}: {check.name}: {failure.title}: {failure.message}"
                                     f"\n  {check.failure_info.code_sample}")
    return found


@pytest.mark.parametrize("role", ROLES)
def test_the_api_answers_as_its_document_says(app, db, role, monkeypatch):
    world = build_world()
    config = _config(world, _token(role, world))
    # The engine sends well over API_RATE_LIMIT's 600 calls a minute with its token, across
    # every route: 429 is tested in test_conventions.py, not here.
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "100000 per minute")
    db.session.remove()
    with serving(app) as base_url:
        failures = _failures(base_url, config)
    assert failures == [], "\n".join(failures)
