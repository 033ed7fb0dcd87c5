"""The structured form of each topic: its questions, in order. A submission keeps the answers
as {name: text}; the desk reads them in the same order with the same labels."""

from dataclasses import dataclass, field

from diaspora.core.i18n import _l
from diaspora.members.models import CADRES

MODES = {"in_person": _l("In person"), "remote": _l("Remotely"), "either": _l("In person or remotely")}
BARRIERS = {
    "licensure": _l("Licensure"),
    "recognition": _l("Recognition of qualifications"),
    "time_off": _l("Time off work"),
    "funding": _l("Funding"),
    "visas_logistics": _l("Visas and logistics"),
    "other": _l("Other"),
}


@dataclass(frozen=True)
class Question:
    name: str
    label: object
    kind: str = "text"  # text | long | choice | date | number
    choices: dict = field(default_factory=dict)
    required: bool = True
    hint: object = None


QUESTIONS: dict[str, list[Question]] = {
    "offer_of_support": [
        Question("cadre", _l("Your profession"), "choice", CADRES),
        Question("skills", _l("Skills you offer"), "long", hint=_l("For example: neonatal resuscitation training.")),
        Question("mode", _l("How you can help"), "choice", MODES),
        Question("availability", _l("When you are available"), hint=_l("For example: two weeks in March 2027.")),
        Question("regions", _l("Regions you would prefer"), required=False),
    ],
    "policy_input": [
        Question("policy_area", _l("Policy area"), hint=_l("For example: health workforce retention.")),
        Question("document", _l("The document or decision it concerns")),
        Question("recommendation", _l("Your recommendation"), "long"),
    ],
    "barrier_report": [
        Question("barrier", _l("The barrier you met"), "choice", BARRIERS),
        Question("what_happened", _l("What happened"), "long"),
        Question("what_would_help", _l("What would help"), "long"),
    ],
    "mission_notification": [
        Question("starts_on", _l("First day"), "date"),
        Question("ends_on", _l("Last day"), "date"),
        Question("facility", _l("Facility")),
        Question("team_size", _l("Team size"), "number"),
        Question("cadres", _l("Cadres on the team"), hint=_l("For example: 2 midwives, 1 anaesthetist.")),
        Question("licence_status", _l("Each team member's licence status in the country"), "long",
                 required=False, hint=_l("Filled in for you from the mission's team where they agreed to share it.")),
    ],
    "partnership_proposal": [
        Question("partners", _l("The partners")),
        Question("aim", _l("The aim"), "long"),
        Question("ask", _l("What you ask of the ministry"), "long"),
    ],
}


def answer_label(topic: str, name: str, value: str) -> str:
    """How an answer reads: a choice's label, otherwise the text as given."""
    for question in QUESTIONS.get(topic, []):
        if question.name == name and question.kind == "choice":
            return str(question.choices.get(value, value))
    return value
