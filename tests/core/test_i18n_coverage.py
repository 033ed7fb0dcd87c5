"""Every string a person reads can be translated: none is left bare in a template or in the
Python code, and the French and Portuguese catalogues translate every one of them."""

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
CATALOGUES = ROOT / "diaspora" / "translations"
LANGUAGES = ("fr", "pt")

EXPRESSION = "\x00"  # where a {{ ... }}, {% ... %} or {# ... #} stood
TEXT_ATTRIBUTE = re.compile(r'\b(aria-label|title|alt|placeholder|content)="([^"\x00]*)"')
TAG = re.compile(r"<[^>]*>", re.S)
# Not prose: comments, styles, scripts, and <code> (file columns, values typed as shown).
IGNORED = re.compile(r"<!--.*?-->|<style.*?</style>|<script.*?</script>|<code>[^<\x00]*</code>", re.S)
ENTITY = re.compile(r"&#?\w+;")
LAYOUT_CHOICE = re.compile(r"{% block layout %}\w*{% endblock %}")  # a page's width, not text
LETTER = re.compile(r"[^\W\d_]")
# Words that are the same in every language: the names of the languages in themselves, marks.
UNTRANSLATED = {"English", "Français", "Português"}


def _bare_text(env, name: str) -> list[str]:
    """Pieces of literal text in a template that a reader would see untranslated."""
    source = LAYOUT_CHOICE.sub("", (TEMPLATES / name).read_text())
    pieces, last_was_data = [], False
    for _lineno, kind, value in env.lex(source, name):
        if kind == "data":
            pieces.append(value)
            last_was_data = True
        elif last_was_data or not pieces:
            pieces.append(EXPRESSION)
            last_was_data = False
    text = "".join(pieces)
    found = []
    if name.endswith(".html"):
        text = IGNORED.sub(" ", text)
        for attribute, value in TEXT_ATTRIBUTE.findall(text):
            if attribute == "content" and "=" in value:  # meta viewport and its like
                continue
            if LETTER.search(value):
                found.append(f'{attribute}="{value}"')
        text = ENTITY.sub(" ", TAG.sub(EXPRESSION, text))
    for piece in text.split(EXPRESSION):
        piece = " ".join(piece.split())
        if LETTER.search(piece) and piece not in UNTRANSLATED:
            found.append(piece)
    return found


def _templates() -> list[str]:
    return sorted(str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*")
                  if path.suffix in (".html", ".txt"))


@pytest.mark.parametrize("name", _templates())
def test_no_template_shows_a_string_that_cannot_be_translated(app, name):
    assert _bare_text(app.jinja_env, name) == []


# Calls whose text argument a person reads: it must be a translation call, never a bare string.
READ_BY_PEOPLE = {"flash", "DomainError", "ValidationError", "AddressError", "StopValidation", "abort_with",
                  "render_error"}
TEXT_KEYWORDS = {"message", "label", "description", "refusal", "detail", "subject", "title", "hint"}
# The API's OpenAPI document is one document, in English, for developers (docs/decisions.md):
# the text these calls give it (a field's description, a default like "name") is not a page's.
API_DOCUMENT = "diaspora/api/v1/"
API_DOCUMENT_CALLS = {"Field", "SpecTree", "SecuritySchemeData"}


def _bare(node) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, str) and LETTER.search(node.value)
            is not None) or isinstance(node, ast.JoinedStr)


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _bare_strings_in(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        if name in API_DOCUMENT_CALLS and str(path.relative_to(ROOT)).startswith(API_DOCUMENT):
            continue
        is_field = name.endswith("Field") or name in READ_BY_PEOPLE
        if is_field and node.args and _bare(node.args[0]):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}(...)")
        for keyword in node.keywords:
            if keyword.arg in TEXT_KEYWORDS and _bare(keyword.value):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}({keyword.arg}=...)")
    return found


def test_no_python_code_shows_a_string_that_cannot_be_translated():
    found = [line for path in sorted((ROOT / "diaspora").rglob("*.py")) for line in _bare_strings_in(path)]
    assert found == []


def _source_messages() -> set[str]:
    with open(ROOT / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    messages = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords={"_": None, "_l": None, "gettext": None,
                                                         "lazy_gettext": None, "ngettext": (1, 2)}):
        messages.add(message if isinstance(message, str) else message[0])
    return messages


@pytest.fixture(scope="module")
def source_messages():
    return _source_messages()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(source_messages, language):
    with open(CATALOGUES / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalogue = read_po(po)
    missing, fuzzy = [], []
    for message in sorted(source_messages):
        entry = catalogue.get(message)
        strings = entry.string if entry is not None else None
        if entry is None or not all(strings if isinstance(strings, tuple) else [strings]):
            missing.append(message)
        elif entry.fuzzy:
            fuzzy.append(message)
    assert missing == [], f"{len(missing)} untranslated in {language}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy in {language}"



@pytest.mark.parametrize("language", LANGUAGES)
def test_each_translation_keeps_the_placeholders_of_its_message(language):
    """A translation may not invent a placeholder (the page would fail) nor drop one (the name
    or number would be lost); a plural form may leave out the number ("un membre")."""
    with open(CATALOGUES / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalogue = read_po(po)
    placeholder = re.compile(r"%\(\w+\)[sd]")
    wrong = []
    for entry in catalogue:
        if not entry.id:
            continue
        plural = isinstance(entry.id, tuple)
        wanted = set(placeholder.findall(" ".join(entry.id) if plural else entry.id))
        for string in (entry.string if plural else (entry.string,)):
            got = set(placeholder.findall(string or ""))
            if string and (got - wanted or (not plural and got != wanted)):
                wrong.append(entry.id)
    assert wrong == []
