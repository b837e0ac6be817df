"""One router per resource; ``ROUTERS`` is what the app mounts."""

from api.routes import (
    catalog,
    drivers,
    health,
    notifications,
    orders,
    payments,
    plans,
    returns,
    stock,
    stoplists,
    stream,
    tracking,
    users,
    waves,
    webhooks,
)

ROUTERS = (health.router, users.router, catalog.router, stock.router, drivers.router, stoplists.router,
           orders.router, payments.router, returns.router, tracking.router, plans.router,
           waves.router, webhooks.router, notifications.router, stream.router)
