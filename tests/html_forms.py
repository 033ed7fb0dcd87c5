"""The forms of a page as a browser sees them: their method, action and the values a person
would send without touching anything (what is typed in, ticked, selected)."""

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Field:
    name: str
    tag: str                     # input, select, textarea
    type: str = "text"           # the input's type ("select", "textarea" for the others)
    value: str = ""              # what the browser sends as it stands
    sent: bool = True            # an unticked checkbox or radio sends nothing
    options: list[str] = field(default_factory=list)  # a select's option values, a checkbox's value


@dataclass
class Form:
    method: str
    action: str
    fields: list[Field] = field(default_factory=list)

    def data(self) -> list[tuple[str, str]]:
        """The pairs a browser would send (the submit button left out)."""
        return [(f.name, f.value) for f in self.fields if f.sent and f.type not in ("submit", "button", "file")]


class _FormParser(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "option" and self._select is not None:
            self._add_option(attributes)
        elif tag == "form":
            self._form = Form(method=(attributes.get("method") or "get").lower(),
                              action=attributes.get("action") or self.page_url)
            self.forms.append(self._form)
        elif self._form is None or not attributes.get("name"):
            return
        elif tag == "input":
            kind = (attributes.get("type") or "text").lower()
            value = attributes.get("value") or ("on" if kind in ("checkbox", "radio") else "")
            ticked = "checked" in attributes
            self._form.fields.append(Field(attributes["name"], "input", kind, value,
                                           sent=ticked if kind in ("checkbox", "radio") else True, options=[value]))
        elif tag == "select":
            self._select = Field(attributes["name"], "select", "select", "")
            self._form.fields.append(self._select)
        elif tag == "textarea":
            self._textarea = Field(attributes["name"], "textarea", "textarea", "")
            self._form.fields.append(self._textarea)

    def _add_option(self, attributes):
        value = attributes.get("value") or ""
        self._select.options.append(value)
        if "selected" in attributes or len(self._select.options) == 1:
            self._select.value = value

    def handle_data(self, data):
        if self._textarea is not None:
            # a browser drops the line break that directly follows <textarea>
            if not self._textarea.value:
                data = data.removeprefix("\r").removeprefix("\n")
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_on(html: str, page_url: str) -> list[Form]:
    parser = _FormParser(page_url)
    parser.feed(html)
    return parser.forms
