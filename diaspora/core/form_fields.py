"""A form field as `macros/forms.html: field` writes it (label above, hint under the label, the
error beside the field), in one pass in Python for the fields most forms hold: a text box, a
list, a text area, a checkbox. In the macro each field cost about 500 Python calls (a `set`, a
`do`, a dictionary update at a time); the HTML is the same (issue 17). Radios and the
multi-choice lists stay in the macro."""

from markupsafe import Markup, escape

from diaspora.core.i18n import _


def in_python(field) -> bool:
    """Whether `plain_field` writes this field (the macro writes radios and multi-choice lists)."""
    return not getattr(field, "multi_choice", False) and "Radio" not in field.type


def plain_field(field, autocomplete=None, type=None, class_=None, rows=None, inputmode=None) -> Markup:
    errors = field.errors
    attributes = {}
    described = [f"{field.id}-hint"] if field.description else []
    if errors:
        described.append(f"{field.id}-error")
    if described:
        attributes["aria-describedby"] = " ".join(described)
    if errors:
        attributes["aria-invalid"] = "true"
    for name, value in (("autocomplete", autocomplete), ("type", type), ("class", class_), ("rows", rows),
                        ("inputmode", inputmode)):
        if value:
            attributes[name] = value
    field_id = escape(field.id)
    opening = '<div class="field field--error">' if errors else '<div class="field">'
    if field.type == "BooleanField":
        return Markup(f"{opening}{hint_and_errors(field)}<label class=\"checkbox\" for=\"{field_id}\">"
                      f"{field(**attributes)} {escape(field.label.text)}</label></div>")
    required = (f' <span class="required" title="{escape(_("Required"))}" aria-hidden="true">*</span>'
                if field.flags.required else "")
    return Markup(f'{opening}<label for="{field_id}">{escape(field.label.text)}{required}</label>'
                  f"{hint_and_errors(field)}{field(**attributes)}</div>")


def hint_and_errors(field) -> Markup:
    parts = []
    if field.description:
        parts.append(f'<span class="hint" id="{escape(field.id)}-hint">{escape(field.description)}</span>')
    if field.errors:
        parts.append(f'<p class="field-error" id="{escape(field.id)}-error"><span class="visually-hidden">'
                     f'{escape(_("Error:"))}</span> {Markup(" ").join(field.errors)}</p>')
    return Markup("".join(parts))
