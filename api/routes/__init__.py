"""One router per resource; ``ROUTERS`` is what the app mounts."""

from api.routes import catalog, drivers, orders, payments, returns, stock, tracking, users

ROUTERS = (users.router, catalog.router, stock.router, drivers.router, orders.router,
           payments.router, returns.router, tracking.router)
