"""No import runs against the layering: a package imports only the layers below it, so `core`
knows no domain, `auth` knows accounts and not the roles other domains give them (a domain
registers "this role needs a second factor" with auth.two_factor.required_for), and a domain
never reaches up into the pages built on it (desks does not import dashboard). Every import
counts, those inside functions too."""

import ast
from pathlib import Path

import diaspora

# Lowest first. A package may import its own modules and any package of a lower layer.
LAYERS = [
    {"config", "extensions"},
    {"core"},
    {"auth"},
    {"members"},
    {"associations"},
    {"contributions"},
    {"licensure"},
    {"desks"},
    {"webhooks", "records"},
    {"dashboard", "api"},
    {"demo", "models"},
    {"__init__"},  # create_app: every package's init_app
]


def layer_of(package: str) -> int:
    return next(number for number, layer in enumerate(LAYERS) if package in layer)


def imports_against_the_layering(root: Path) -> list[str]:
    """`file: package imports target` for every import of a package at the same or a higher
    layer than the importing one (its own package aside)."""
    problems = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        package = parts[0] if len(parts) > 1 else path.stem
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                pieces = name.split(".")
                if pieces[0] != root.name or len(pieces) < 2 or pieces[1] == package:
                    continue
                target = pieces[1]
                if not (root / target).is_dir() and not (root / f"{target}.py").exists():
                    target = "__init__"  # `from diaspora import create_app`
                if layer_of(target) >= layer_of(package):
                    problems.append(f"{path.relative_to(root.parent)}:{node.lineno}: {package} imports {target}")
    return sorted(set(problems))


def test_every_package_has_a_layer():
    root = Path(diaspora.__file__).parent
    packages = {path.name for path in root.iterdir() if (path / "__init__.py").exists()}
    modules = {path.stem for path in root.glob("*.py")}
    unplaced = {name for name in packages | modules if not any(name in layer for layer in LAYERS)}
    assert unplaced == set(), f"add these to a layer in tests/test_layering.py: {unplaced}"


def test_no_import_runs_against_the_layering():
    assert imports_against_the_layering(Path(diaspora.__file__).parent) == []


def test_an_import_against_the_layering_is_caught(tmp_path):
    """The guard above on a broken copy: core importing a domain, auth importing desks (even
    inside a function), and desks importing dashboard."""
    root = tmp_path / "diaspora"
    for package in ("core", "auth", "associations", "desks", "dashboard"):
        (root / package).mkdir(parents=True)
        (root / package / "__init__.py").write_text("")
    (root / "core" / "links.py").write_text("from diaspora.associations.models import Association\n")
    (root / "auth" / "two_factor.py").write_text(
        "def is_required(user):\n    from diaspora.desks.models import DeskOfficer\n    return DeskOfficer\n")
    (root / "desks" / "__init__.py").write_text("import diaspora.dashboard.services\nfrom diaspora.core import memo\n")
    (root / "dashboard" / "views.py").write_text("from diaspora.desks import calls\n")  # allowed: above desks
    assert imports_against_the_layering(root) == [
        "diaspora/auth/two_factor.py:2: auth imports desks",
        "diaspora/core/links.py:1: core imports associations",
        "diaspora/desks/__init__.py:1: desks imports dashboard",
    ]
