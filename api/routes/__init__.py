"""One router per resource; ``ROUTERS`` is what the app mounts."""

from api.routes import (
    analytics,
    catalog,
    console,
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

# Requests are matched against routers in this order: the hottest paths (customers'
# tracking links, drivers' pings) come first.
ROUTERS = (tracking.router, drivers.router, health.router, users.router, catalog.router,
           stock.router, stoplists.router, orders.router, payments.router, returns.router,
           plans.router, waves.router, webhooks.router, notifications.router, stream.router,
           console.router, analytics.router)
