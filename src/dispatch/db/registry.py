"""Imports every table module so ``Base.metadata`` is complete (Alembic and tests)."""

from __future__ import annotations

from dispatch.auth import models as auth_models
from dispatch.db.base import Base
from dispatch.fleet import models as fleet_models
from dispatch.geocoding import models as geocoding_models
from dispatch.idempotency import models as idempotency_models
from dispatch.orders import models as order_models
from dispatch.payments import models as payment_models
from dispatch.returns import models as return_models
from dispatch.stock import models as stock_models
from dispatch.tracking import models as tracking_models

TABLE_MODULES = (
    auth_models,
    fleet_models,
    geocoding_models,
    idempotency_models,
    order_models,
    payment_models,
    return_models,
    stock_models,
    tracking_models,
)

metadata = Base.metadata
