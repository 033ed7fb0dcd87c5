"""The site's main menu, assembled from what each domain registers (core knows no domain).

    navigation.add("associations.my_memberships", _l("Memberships"), who="member", order=30)

`who`: "visitor" (not logged in), "member" (anyone logged in), "admin" (platform admins), or a
callable taking the user."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_login import current_user


@dataclass(frozen=True)
class Item:
    endpoint: str
    label: Any
    who: str | Callable[[Any], bool]
    order: int


ITEMS: dict[str, Item] = {}
_ordered: list[Item] = []  # ITEMS by order, made again when an item is added


def add(endpoint: str, label, *, who: str | Callable[[Any], bool] = "member", order: int = 50) -> None:
    ITEMS[endpoint] = Item(endpoint, label, who, order)
    _ordered[:] = sorted(ITEMS.values(), key=lambda i: i.order)


def _shown(item: Item, user) -> bool:
    logged_in = getattr(user, "is_authenticated", False)
    if callable(item.who):
        return logged_in and item.who(user)
    return {"visitor": not logged_in, "member": logged_in, "admin": logged_in and user.is_admin,
            "everyone": True}[item.who]


def main_navigation() -> list[tuple[str, str]]:
    """The menu of the person this request belongs to: the user is resolved once (not through
    the `current_user` proxy for each item), the items kept in order."""
    user = current_user._get_current_object() if current_user else None
    return [(item.endpoint, str(item.label)) for item in _ordered if _shown(item, user)]
