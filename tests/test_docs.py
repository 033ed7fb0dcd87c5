"""The documentation stays true: every `tests/...` path cited in diaspora/ and docs/ exists, and
the "start here" table of docs/architecture.md lists every blueprint as the app has it (made
from its url_map; `UPDATE_DOCS=1 pytest tests/test_docs.py` writes the table anew)."""

import os
import re
from pathlib import Path

from diaspora.core.access import declared_rule

ROOT = Path(__file__).resolve().parent.parent
CITED = re.compile(r"tests/[A-Za-z0-9_/.<>-]*[A-Za-z0-9_/>]")
ARCHITECTURE = ROOT / "docs" / "architecture.md"
BEGIN, END = "<!-- start-here: made by tests/test_docs.py -->", "<!-- end of start-here -->"
POLICIES = {"public": "anyone", "anonymous": "logged out", "login": "logged in", "admin": "platform admin",
            "token": "API token"}


def cited_paths(text: str) -> set[str]:
    return set(CITED.findall(text))


def missing_paths(paths: set[str], root: Path) -> set[str]:
    """Cited paths that name nothing: `<domain>` stands for any one folder of tests/."""
    missing = set()
    for path in paths:
        pattern = path.replace("<domain>", "*").rstrip("/")
        if not any(root.glob(pattern)):
            missing.add(path)
    return missing


def _texts():
    for folder, suffixes in (("diaspora", (".py", ".html")), ("docs", (".md",)), ("templates", (".html",))):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in suffixes:
                yield path
    yield ROOT / "README.md"


def test_every_cited_test_path_exists():
    cited = {(path.relative_to(ROOT), found) for path in _texts()
             for found in cited_paths(path.read_text(encoding="utf-8"))}
    assert cited, "the guard must see the citations"
    missing = missing_paths({found for _where, found in cited}, ROOT)
    assert missing == set(), sorted((str(where), found) for where, found in cited if found in missing)


def test_a_path_to_a_test_that_does_not_exist_is_caught():
    """The guard above on a broken copy of a docstring."""
    text = ("`tests/core/test_personal_data.py` fails when a table is unclaimed; tests/access/ requests "
            "every route; tests/<domain>/samples.py and tests/test_erasure.py exist.")
    assert missing_paths(cited_paths(text), ROOT) == {"tests/core/test_personal_data.py", "tests/access/"}


# ---------------------------------------------------------------------------- the "start here" table


def start_here(app) -> str:
    """One row per blueprint: its name, the files of its views, the URL prefixes it serves and
    who may reach its routes (the access rule each route declares, core/access.py)."""
    lines = ["| Blueprint | Views in | URLs | Who may reach it | Objects its routes load (`@loads`) | Routes |",
             "|---|---|---|---|---|---|"]
    for name, blueprint in sorted(app.blueprints.items()):
        rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith(f"{name}.")]
        views = [app.view_functions[rule.endpoint] for rule in rules]
        files = sorted({view.__module__.replace(".", "/") + ".py" for view in views})
        if blueprint.url_prefix:
            prefixes = [blueprint.url_prefix]
        else:
            prefixes = sorted({"/" + rule.rule.split("/")[1].split("<")[0] for rule in rules})
        policies = sorted({POLICIES.get(declared_rule(view), str(declared_rule(view))) for view in views})
        kinds = sorted({kind for view in views for kind in getattr(view, "loads", {})})
        lines.append(f"| `{name}` | {', '.join(f'`{file}`' for file in files)} | "
                     f"{', '.join(f'`{prefix}`' for prefix in prefixes)} | {', '.join(policies)} | "
                     f"{', '.join(kinds) or '-'} | {len(rules)} |")
    return "\n".join(lines)


def _documented() -> str:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    assert BEGIN in text and END in text, f"docs/architecture.md has lost its markers {BEGIN} ... {END}"
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip()


def test_the_start_here_table_lists_every_blueprint_as_the_app_has_it(app):
    table = start_here(app)
    if os.environ.get("UPDATE_DOCS"):
        text = ARCHITECTURE.read_text(encoding="utf-8")
        before, rest = text.split(BEGIN, 1)
        ARCHITECTURE.write_text(f"{before}{BEGIN}\n{table}\n{END}{rest.split(END, 1)[1]}", encoding="utf-8")
    assert _documented() == table, ("docs/architecture.md's start-here table is out of date: run "
                                    "UPDATE_DOCS=1 pytest tests/test_docs.py, and read the difference")


def test_a_blueprint_missing_from_the_table_is_caught(app):
    """The guard above on a broken copy: the documented table without one of its blueprints."""
    documented = _documented()
    broken = "\n".join(line for line in documented.split("\n") if not line.startswith("| `dashboard`"))
    assert "| `dashboard`" in start_here(app) and broken != start_here(app)
