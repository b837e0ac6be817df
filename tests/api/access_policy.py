"""The intended access policy: every endpoint, who may call it, and a minimal valid request.

Written out by hand, not read from the routes, so a route whose ``require``/``caller``
drifts from it fails in ``test_access_matrix.py``; ``test_openapi_fuzz.py`` fuzzes the
same endpoints. Bodies are functions of the seeded world (``Seeded`` in the test module).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.support.world import order_body

ADMIN, DISPATCHER, OPERATOR, DRIVER = "admin", "dispatcher", "operator", "driver"
STAFF = frozenset({ADMIN, DISPATCHER, OPERATOR})
EVERYONE = STAFF | {DRIVER}

# Who is calling -> their role. ``other_driver`` is bruno, a second driver, so that a role
# check and an object check are told apart; ``anonymous`` sends no token.
CALLERS = {
    "admin": ADMIN, "dispatcher": DISPATCHER, "operator": OPERATOR,
    "driver": DRIVER, "other_driver": DRIVER, "anonymous": None,
}

MISSING_ID = 7_654_321  # in range for every id column, never seeded


# --- The policy ----------------------------------------------------------------------------

Body = Callable[[Any], dict[str, Any]] | None  # given the seeded world (``Seeded``)


@dataclass(frozen=True)
class Row:
    """One endpoint: who may call it, and a minimal valid request for the seeded world.

    ``objects`` maps a path parameter to the seeded object it names (defaults below).
    """

    method: str
    path: str
    roles: frozenset[str]
    body: Body = None
    objects: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


PATH_OBJECTS = {
    "order_id": "order", "return_id": "return", "warehouse_id": "warehouse",
    "sku_id": "sku", "sku": "sku_code", "driver_id": "driver",
    "stop_id": "stop", "route_id": "route",
    "webhook_id": "webhook", "delivery_id": "delivery",
    "shift_id": "shift", "plan_id": "plan",
}

DELIVERED = {"order_id": "delivered"}

def _now_iso() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat()


def shift_body(days_ahead: float = 0) -> dict[str, str]:
    """An eight-hour shift that started an hour ago, ``days_ahead`` days from now."""
    from datetime import UTC, datetime, timedelta

    start = datetime.now(UTC) + timedelta(days=days_ahead, hours=-1)
    return {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=8)).isoformat()}


POLICY: list[Row] = [
    # Users and tokens: the admin; who am I: everyone with a token.
    Row("GET", "/me", EVERYONE),
    Row("POST", "/users", frozenset({ADMIN}), lambda s: {"name": "matrix", "role": "operator"}),
    Row("GET", "/users", frozenset({ADMIN})),
    # Catalogue: warehouses are the admin's, SKUs also the operator's; staff read both.
    Row("POST", "/warehouses", frozenset({ADMIN}),
        lambda s: {"code": "MATRIX", "name": "Matrix depot", "lat": 43.7, "lon": 7.4}),
    Row("GET", "/warehouses", STAFF),
    Row("GET", "/warehouses/{warehouse_id}", STAFF),
    Row("POST", "/skus", frozenset({ADMIN, OPERATOR}),
        lambda s: {"code": "MATRIX-SKU", "name": "Matrix", "price_minor": 100,
                   "weight_g": 10, "volume_ml": 10}),
    Row("GET", "/skus", STAFF),
    Row("GET", "/skus/{sku_id}", STAFF),
    # Stock: operators and admins write; dispatchers also read. Drivers never.
    Row("GET", "/stock", STAFF),
    Row("GET", "/stock/alerts", STAFF),
    Row("GET", "/analytics/replenishment", STAFF),
    Row("GET", "/analytics/customers", STAFF),
    Row("GET", "/analytics/kpis", STAFF),
    Row("GET", "/analytics/time-lost", STAFF),
    Row("POST", "/analytics/replenishment/apply", frozenset({ADMIN, OPERATOR}),
        lambda s: {"lead_days": 1}),
    Row("GET", "/stock/movements", STAFF),
    Row("GET", "/stock/{warehouse_id}/{sku}", STAFF),
    Row("PUT", "/stock/{warehouse_id}/{sku}/thresholds", frozenset({ADMIN, OPERATOR}),
        lambda s: {"safety_stock": 1, "reorder_point": 2}),
    Row("POST", "/stock/receipts", frozenset({ADMIN, OPERATOR}),
        lambda s: {"warehouse_id": s.ids["warehouse"], "sku": "OAT-MILK-1L", "quantity": 1}),
    Row("POST", "/stock/adjustments", frozenset({ADMIN, OPERATOR}),
        lambda s: {"warehouse_id": s.ids["warehouse"], "sku": "OAT-MILK-1L", "quantity": -1,
                   "reason": "cycle count"}),
    # Drivers: managed by dispatchers and admins; a driver reads their own record.
    Row("POST", "/drivers", frozenset({ADMIN, DISPATCHER}),
        lambda s: {"name": "Carla", "warehouse_id": s.ids["warehouse"],
                   "capacity_weight_g": 100_000, "capacity_volume_ml": 100_000}),
    Row("GET", "/drivers", frozenset({ADMIN, DISPATCHER})),
    Row("GET", "/drivers/me", frozenset({DRIVER})),
    Row("GET", "/drivers/{driver_id}", frozenset({ADMIN, DISPATCHER})),
    Row("GET", "/drivers/{driver_id}/position", frozenset({ADMIN, DISPATCHER})),
    Row("POST", "/drivers/me/location", frozenset({DRIVER}),
        lambda s: {"lat": 43.7396, "lon": 7.4276, "timestamp": _now_iso()}),
    # Stop lists: a driver works their own route (another driver's stop is 404, see
    # tests/api/test_stoplists.py); dispatchers read every route, staff read proofs.
    Row("GET", "/drivers/me/route", frozenset({DRIVER})),
    Row("POST", "/drivers/me/route/depart", frozenset({DRIVER})),
    Row("POST", "/drivers/me/stops/{stop_id}/arrived", frozenset({DRIVER}), lambda s: {}),
    Row("POST", "/drivers/me/stops/{stop_id}/completed", frozenset({DRIVER}),
        lambda s: {"recipient_name": "Marie"}),
    Row("POST", "/drivers/me/stops/{stop_id}/failed", frozenset({DRIVER}),
        lambda s: {"reason": "not_home"}),
    Row("PUT", "/drivers/me/stops/{stop_id}/proof", frozenset({DRIVER})),
    Row("GET", "/routes", frozenset({ADMIN, DISPATCHER})),
    Row("GET", "/routes/{route_id}", frozenset({ADMIN, DISPATCHER})),
    Row("GET", "/stops/{stop_id}/proof", STAFF),
    Row("GET", "/stops/{stop_id}/proof/content", STAFF),
    # Shifts and plans: the dispatchers' (and admins') planning tools.
    Row("POST", "/drivers/{driver_id}/shifts", frozenset({ADMIN, DISPATCHER}),
        lambda s: shift_body(days_ahead=20)),
    Row("GET", "/drivers/{driver_id}/shifts", frozenset({ADMIN, DISPATCHER})),
    Row("POST", "/drivers/{driver_id}/shifts/{shift_id}/cancel", frozenset({ADMIN, DISPATCHER})),
    Row("POST", "/plans", frozenset({ADMIN, DISPATCHER}),
        lambda s: {"warehouse_ids": [s.ids["warehouse"]], "time_limit_seconds": 1}),
    Row("GET", "/plans", frozenset({ADMIN, DISPATCHER})),
    Row("GET", "/plans/{plan_id}", frozenset({ADMIN, DISPATCHER})),
    Row("POST", "/plans/{plan_id}/commit", frozenset({ADMIN, DISPATCHER})),
    # Automatic waves: each warehouse's batch policy and the wave board.
    Row("GET", "/warehouses/{warehouse_id}/batch-policy", frozenset({ADMIN, DISPATCHER})),
    Row("PUT", "/warehouses/{warehouse_id}/batch-policy", frozenset({ADMIN, DISPATCHER}),
        lambda s: {"kind": "on_demand"}),
    Row("GET", "/waves", frozenset({ADMIN, DISPATCHER})),
    Row("GET", "/console/snapshot", frozenset({ADMIN, DISPATCHER})),
    Row("GET", "/plans/{plan_id}/map.html", frozenset({ADMIN, DISPATCHER})),
    # Orders: placed and planned by dispatchers, picked by operators, carried by drivers;
    # everyone reads them (drivers only their own).
    Row("POST", "/orders", frozenset({ADMIN, DISPATCHER}), lambda s: order_body()),
    Row("GET", "/orders", EVERYONE),
    Row("GET", "/orders/{order_id}", EVERYONE),
    Row("GET", "/orders/{order_id}/events", EVERYONE),
    Row("POST", "/orders/{order_id}/cancel", frozenset({ADMIN, DISPATCHER}),
        lambda s: {"reason": "customer called"}),
    # Held orders (fraud screening): dispatchers and operators review them.
    Row("POST", "/orders/{order_id}/approve", STAFF, lambda s: {"note": "known customer"}),
    Row("POST", "/orders/{order_id}/reject", STAFF, lambda s: {"reason": "card testing"}),
    Row("POST", "/orders/{order_id}/pick", frozenset({ADMIN, OPERATOR}),
        lambda s: {"lines": [{"sku": "RETRO-CLOCK", "quantity": 1}]}),
    Row("POST", "/orders/{order_id}/assign", frozenset({ADMIN, DISPATCHER}),
        lambda s: {"driver_id": s.ids["driver"]}),
    Row("POST", "/orders/{order_id}/depart", frozenset({ADMIN, DISPATCHER, DRIVER})),
    Row("POST", "/orders/{order_id}/deliver", frozenset({ADMIN, DISPATCHER, DRIVER}),
        lambda s: {"recipient_name": "Marie"}),
    Row("POST", "/orders/{order_id}/fail", frozenset({ADMIN, DISPATCHER, DRIVER}),
        lambda s: {"reason": "not_home"}),
    # Payments: staff read them; only an admin refunds by hand.
    Row("GET", "/orders/{order_id}/payment", STAFF, objects=DELIVERED),
    Row("POST", "/orders/{order_id}/payment/refund", frozenset({ADMIN}),
        lambda s: {"amount_minor": 100, "reason": "goodwill"}, objects=DELIVERED),
    # Returns: staff request them, operators (and admins) decide and settle them, drivers
    # collect the ones assigned to them; everyone reads (drivers only their own).
    Row("POST", "/orders/{order_id}/returns", STAFF,
        lambda s: {"lines": [{"order_line_id": s.ids["delivered_line"], "quantity": 1,
                              "reason": "damaged"}], "resolution": "refund"},
        objects=DELIVERED),
    Row("GET", "/returns", EVERYONE),
    Row("GET", "/returns/{return_id}", EVERYONE),
    Row("POST", "/returns/{return_id}/approve", frozenset({ADMIN, OPERATOR})),
    Row("POST", "/returns/{return_id}/reject", frozenset({ADMIN, OPERATOR}),
        lambda s: {"reason": "outside policy"}),
    Row("POST", "/returns/{return_id}/pickup", EVERYONE),
    Row("POST", "/returns/{return_id}/receive", frozenset({ADMIN, OPERATOR}),
        lambda s: {"lines": [{"return_line_id": s.ids["return_line"], "outcome": "restock"}]}),
    Row("POST", "/returns/{return_id}/resolve", frozenset({ADMIN, OPERATOR})),
    # Webhooks: the admin's alone (they expose every event and their secrets sign them);
    # the notification log: staff, for support.
    Row("POST", "/webhooks", frozenset({ADMIN}),
        lambda s: {"url": "https://93.184.216.34/matrix", "event_types": ["*"]}),
    Row("GET", "/webhooks", frozenset({ADMIN})),
    Row("GET", "/webhooks/{webhook_id}", frozenset({ADMIN})),
    Row("DELETE", "/webhooks/{webhook_id}", frozenset({ADMIN})),
    Row("GET", "/webhooks/{webhook_id}/deliveries", frozenset({ADMIN})),
    Row("POST", "/webhooks/{webhook_id}/deliveries/{delivery_id}/retry", frozenset({ADMIN})),
    Row("GET", "/notifications", STAFF),
    # The live event stream (positions, stop events, ETAs): the dispatcher map's feed.
    Row("GET", "/stream", frozenset({ADMIN, DISPATCHER})),
]

# Served by FastAPI itself (schema and docs), public by design.
NOT_API = {"/openapi.json", "/docs", "/docs/assets", "/docs/oauth2-redirect", "/redoc"}
# Public on purpose: the customer's tracking link, whose token is the only key
# (tests/api/test_tracking.py checks it reveals one order and nothing else).
# The dispatcher page and its scripts carry no data: the page asks for a token and sends
# it with every API call.
PUBLIC = {("GET", "/health"), ("GET", "/health/ready"), ("GET", "/"), ("GET", "/static/{name}"),
          ("GET", "/track/{token}"), ("GET", "/track/{token}/page"),
          ("POST", "/track/{token}/reschedule"), ("POST", "/track/{token}/returns")}


def served_operations(app) -> set[tuple[str, str]]:
    """(method, path template) for every route the app answers, however it is mounted."""
    try:  # FastAPI >= 0.13x keeps included routers as nodes; this walks them.
        from fastapi.routing import iter_route_contexts
    except ImportError:  # pragma: no cover - older FastAPI lists routes flat
        routes = list(app.routes)
    else:
        routes = list(iter_route_contexts(app.routes))
    operations = set()
    for route in routes:
        path = getattr(route, "path", None)
        if path in NOT_API:
            continue
        methods = getattr(route, "methods", None)
        # A mount (no methods) would hide a whole sub-application from the policy.
        assert methods, f"{path!r} is not a plain route; give its endpoints a policy"
        operations.update((method, path) for method in methods if method != "HEAD")
    return operations
