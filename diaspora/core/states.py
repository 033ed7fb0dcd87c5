"""Statuses as small state machines.

A domain declares its statuses as a `StrEnum`, and a `StateMachine` over it: a label and a
tone (for the status badge) per status, and the named actions that move a record from some
statuses to another. Services move records only through `machine.apply(record, action)`,
which refuses an action the record's status does not allow; templates ask
`machine.allows(action, record.status)` (usually through a model method) instead of
deciding in Jinja; the database refuses unknown values through `machine.check_constraint()`.

    class Status(StrEnum):
        DRAFT = "draft"; SUBMITTED = "submitted"

    MACHINE = StateMachine(Status, labels={...}, tones={...}, actions=[
        Action("submit", {Status.DRAFT}, Status.SUBMITTED, refusal=_l("Only a draft can be sent.")),
    ])
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from diaspora.core.domain import DomainError

TONES = ("neutral", "info", "success", "warning", "danger")


@dataclass(frozen=True)
class Action:
    name: str
    sources: frozenset
    target: Any  # a status, or None: the action keeps the status (renew, promote ...)
    refusal: Any = None  # said when the record's status does not allow the action

    def __init__(self, name: str, sources: Iterable, target: Any = None, refusal: Any = None):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "sources", frozenset(sources))
        object.__setattr__(self, "target", target)
        object.__setattr__(self, "refusal", refusal)


@dataclass
class StateMachine:
    states: type[StrEnum]
    labels: dict
    tones: dict
    actions: list[Action] = field(default_factory=list)

    def __post_init__(self) -> None:
        missing = [state for state in self.states if state not in self.labels or state not in self.tones]
        assert not missing, f"every status needs a label and a tone: {missing}"
        assert all(tone in TONES for tone in self.tones.values()), self.tones
        self._actions = {action.name: action for action in self.actions}
        for action in self.actions:
            unknown = [s for s in [*action.sources, action.target] if s is not None and s not in self.states]
            assert not unknown, f"{action.name}: unknown statuses {unknown}"

    @property
    def values(self) -> list[str]:
        return [state.value for state in self.states]

    def label(self, status: str) -> str:
        return str(self.labels.get(status, status))

    def tone(self, status: str) -> str:
        return self.tones.get(status, "neutral")

    def action(self, name: str) -> Action:
        return self._actions[name]

    def allows(self, action: str, status: str) -> bool:
        return status in self._actions[action].sources

    def allowed(self, status: str) -> list[str]:
        """The actions a record in this status may take, in declaration order."""
        return [action.name for action in self.actions if status in action.sources]

    def targets(self, status: str) -> set:
        return {a.target for a in self.actions if status in a.sources and a.target is not None}

    def check(self, action: str, status: str) -> Action:
        """The action, or DomainError with its refusal when `status` does not allow it."""
        chosen = self._actions[action]
        if status not in chosen.sources:
            from diaspora.core.i18n import _

            raise DomainError(str(chosen.refusal) if chosen.refusal else _(
                "This can't be done now: it is %(status)s.", status=self.label(status).lower()))
        return chosen

    def apply(self, record: Any, action: str, attribute: str = "status") -> tuple[str, str]:
        """Move `record` by `action`; returns (old status, new status)."""
        old = getattr(record, attribute)
        chosen = self.check(action, old)
        new = chosen.target if chosen.target is not None else old
        setattr(record, attribute, new)
        return str(old), str(new)

    def check_constraint(self, column: str = "status", name: str = "status") -> sa.CheckConstraint:
        allowed = ", ".join(f"'{value}'" for value in self.values)
        return sa.CheckConstraint(f"{column} IN ({allowed})", name=name)
