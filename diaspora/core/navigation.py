"""The site's header, assembled from what each domain registers (core knows no domain).

Each role works in its own *workspace*: a member in their dashboard, an officer in their
association, a desk officer in their desk, a platform admin in the admin home. A domain
registers a function that lists the workspaces a user has:

    navigation.add_workspaces(lambda user: [Workspace("desk", _("Desk of Ghana"), url, order=10)])

The first workspace (by `order`) is where the user lands after logging in; the header offers
the others. Menu items are registered for visitors, for everyone, or for a kind of workspace:

    navigation.add("associations.my_memberships", _l("Memberships"), who="member", order=30)

`who`: "visitor" (not logged in), "everyone", "signed-in" (anyone logged in), or a workspace
kind ("member", "officer", "desk", "admin"): shown to those who have such a workspace; or a
tuple of these (shown to any of them)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_login import current_user

from diaspora.core import memo


@dataclass(frozen=True)
class Item:
    endpoint: str
    label: Any
    who: str | tuple[str, ...] | Callable[[Any], bool]
    order: int


@dataclass(frozen=True)
class Workspace:
    kind: str  # "member", "officer", "desk", "admin"
    label: str
    url: str
    order: int = 50


ITEMS: dict[str, Item] = {}
_ordered: list[Item] = []  # ITEMS by order, made again when an item is added
PROVIDERS: list[Callable[[Any], list[Workspace]]] = []


_menus: dict[tuple, list[tuple[str, str]]] = {}  # the menus worked out, by kinds and language
_personal: list[bool] = [False]  # whether an item asks a function about each user


def add(endpoint: str, label, *, who: str | tuple[str, ...] | Callable[[Any], bool] = "member",
        order: int = 50) -> None:
    ITEMS[endpoint] = Item(endpoint, label, who, order)
    _ordered[:] = sorted(ITEMS.values(), key=lambda i: i.order)
    _personal[0] = any(callable(item.who) for item in _ordered)
    _menus.clear()


def add_workspaces(provider: Callable[[Any], list[Workspace]]) -> None:
    """Once per provider, however many apps are made in one process (the tests make many)."""
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)


def workspaces(user=None) -> list[Workspace]:
    """The user's workspaces, the one they land in first (computed once per request)."""
    user = current_user if user is None else user
    if not getattr(user, "is_authenticated", False):
        return []

    def compute() -> list[Workspace]:
        found = [space for provider in PROVIDERS for space in provider(user)]
        return sorted(found, key=lambda space: space.order)

    return memo.cached(("workspaces", user.id), compute)


def kinds(user=None) -> set[str]:
    return {space.kind for space in workspaces(user)}


def landing(user=None) -> str:
    """Where the user lands after logging in: their first workspace."""
    from flask import url_for

    spaces = workspaces(user)
    return spaces[0].url if spaces else url_for("dashboard.index")


def _shown(item: Item, user, logged_in: bool, user_kinds: set[str]) -> bool:
    if callable(item.who):
        return logged_in and item.who(user)
    for who in (item.who,) if isinstance(item.who, str) else item.who:
        if who in ("visitor", "everyone", "signed-in"):
            if {"visitor": not logged_in, "everyone": True, "signed-in": logged_in}[who]:
                return True
        elif logged_in and who in user_kinds:
            return True
    return False


def main_navigation(account: bool = False) -> list[tuple[str, str]]:
    """The menu of the person this request belongs to (`account=True`: only the account menu's
    items, order 80 and after). Which items show depends only on whether one is logged in and
    the kinds of one's workspaces (unless an item asks a function about the user), and their
    labels on the language: the menus are worked out once per process for each of these (the
    layout asks for each part twice on every page, for a wide screen's bar and a phone's menu).
    The list is shared: read it, do not change it."""
    from diaspora.core.i18n import current_locale

    user = current_user._get_current_object() if current_user else None
    logged_in = bool(getattr(user, "is_authenticated", False))
    user_kinds = frozenset(kinds(user)) if logged_in else frozenset()

    def compute() -> list[tuple[str, str]]:
        return [(item.endpoint, str(item.label)) for item in _ordered
                if (item.order >= ACCOUNT_ORDER) == account and _shown(item, user, logged_in, user_kinds)]

    if _personal[0]:
        return memo.cached(("main_navigation", account, user.get_id() if logged_in else None, current_locale()),
                           compute)
    key = (account, logged_in, user_kinds, current_locale())
    menu = _menus.get(key)
    if menu is None:
        if len(_menus) >= 256:
            _menus.clear()
        menu = _menus[key] = compute()
    return menu


ACCOUNT_ORDER = 80  # items from here on sit in the account menu (a wide screen's dropdown)
