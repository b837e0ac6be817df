"""Roles and what each may do; plain Python so the rules can be tested on their own."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Who is calling. Customers never log in: they use per-order tracking tokens."""

    ADMIN = "admin"
    DISPATCHER = "dispatcher"
    OPERATOR = "operator"  # stock and returns
    DRIVER = "driver"  # bound to one driver record


STAFF = frozenset({Role.ADMIN, Role.DISPATCHER, Role.OPERATOR})


def check_role_binding(role: Role, driver_id: int | None) -> None:
    """A driver token must name its driver; no other role may."""
    if role is Role.DRIVER and driver_id is None:
        raise ValueError("a driver user needs --driver (the driver id it acts for)")
    if role is not Role.DRIVER and driver_id is not None:
        raise ValueError(f"only driver users are bound to a driver, not {role.value} users")
