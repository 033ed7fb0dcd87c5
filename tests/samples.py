"""Sample data that each domain contributes to the suite-wide tests, so that those tests cover
a new domain without being edited:

* `@kind_sample("membership")`: given a tenant, make an object of that kind inside it and return
  the URL parameters that name it. The access matrix (tests/test_access_matrix.py) requests every
  route with the other tenant's objects; a route that loads a kind with no sample fails there.
* `@own_sample("contribution")`: the same, but the object is the tenant's *officer's* own (their
  contribution, licence, membership ...): the matrix tries the officer acting on their own record.
* `insiders(kind, action, *roles)`: which of the tenant's own people may do that action to the
  sample (the member who owns it, another member, the applicant, the officer, the officer on
  their own record, an officer of the tenant's desk). Every (kind, action) a route loads needs
  one; everyone not named is refused. Declared by the tests, independently of the policies.
* `@person_sample`: given a person, give them one more kind of data, typed with `person.mark()`
  strings. The erasure scan (tests/test_erasure.py) erases the person and looks for every mark in
  every text column of every table.

Each domain keeps its samples in `tests/<domain>/samples.py`; `load()` imports them all."""

import importlib
import pkgutil
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tests

KIND_SAMPLES: dict[str, Callable[["Tenant"], dict]] = {}
OWN_SAMPLES: dict[str, Callable[["Tenant"], dict]] = {}
PERSON_SAMPLES: list[Callable[["Person"], None]] = []
# (kind, action) -> who, outside a tenant, may still do it to the tenant's object. Declared here,
# by the tests, independently of the app's policies: everything else is the tenant's alone.
OPEN_TO_OUTSIDERS: dict[tuple[str, str], Callable[[Any], bool]] = {}


def open_to_outsiders(kind: str, action: str, who: Callable[[Any], bool]) -> None:
    OPEN_TO_OUTSIDERS[(kind, action)] = who


# A tenant's own people, as the access matrix tries them (`Tenant.people`).
OWNER = "the member who owns it"
MEMBER = "another member"
APPLICANT = "an applicant"
OFFICER = "an officer"
OWN_OFFICER = "an officer on their own record"
DESK_OFFICER = "an officer of the tenant's desk"
INSIDER_ROLES = (OWNER, MEMBER, APPLICANT, OFFICER, OWN_OFFICER, DESK_OFFICER)
# (kind, action) -> the insiders who may do it; everyone else inside the tenant is refused.
INSIDERS: dict[tuple[str, str], frozenset[str]] = {}


def insiders(kind: str, action: str, *roles: str) -> None:
    assert set(roles) <= set(INSIDER_ROLES), roles
    INSIDERS[(kind, action)] = frozenset(roles)


def anyone(user) -> bool:
    return True


def logged_in(user) -> bool:
    return user is not None


def admins(user) -> bool:
    return user is not None and user.is_admin


def kind_sample(kind: str) -> Callable:
    def register(function: Callable) -> Callable:
        KIND_SAMPLES[kind] = function
        return function

    return register


def own_sample(kind: str) -> Callable:
    def register(function: Callable) -> Callable:
        OWN_SAMPLES[kind] = function
        return function

    return register


def person_sample(function: Callable) -> Callable:
    PERSON_SAMPLES.append(function)
    return function


def load() -> None:
    """Import every tests/<package>/samples.py (they register themselves)."""
    root = Path(tests.__file__).parent
    for package in pkgutil.iter_modules([str(root)]):
        if package.ispkg and (root / package.name / "samples.py").exists():
            importlib.import_module(f"tests.{package.name}.samples")
    # In package order, whichever test module imported one first: a person's memberships
    # (associations) exist before what other domains build on them.
    PERSON_SAMPLES.sort(key=lambda function: function.__module__)


def mark(label: str = "") -> str:
    """A string that appears nowhere unless someone typed it: easy to look for."""
    return f"zq{label}{secrets.token_hex(4)}"


@dataclass
class Tenant:
    """One association and its people: an officer, a member with a full profile who chose to
    appear in the directory, and an applicant (and, in `people`, everyone the matrix tries as an
    insider). `secrets` are strings only its own people may see; `params` the URL parameters of
    one object of each kind inside it, `own_params` of the officer's own where a kind has one."""

    label: str
    association: Any
    officer: Any
    member: Any
    applicant: Any
    membership_type: Any
    heritage: str
    secrets: set[str] = field(default_factory=set)
    params: dict[str, dict] = field(default_factory=dict)
    own_params: dict[str, dict] = field(default_factory=dict)
    people: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def secret(self, label: str = "") -> str:
        value = mark(f"{self.label}{label}")
        self.secrets.add(value)
        return value


@dataclass
class Person:
    """Someone about to be erased, and everything they typed."""

    user: Any
    association: Any
    officer: Any
    marks: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def mark(self, label: str = "") -> str:
        value = mark(label)
        self.marks.append(value)
        return value
