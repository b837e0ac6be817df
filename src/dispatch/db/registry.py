"""Imports every table module so ``Base.metadata`` is complete (Alembic and tests)."""

from __future__ import annotations

from dispatch.auth import models as auth_models
from dispatch.db.base import Base
from dispatch.events import models as event_models
from dispatch.fleet import models as fleet_models
from dispatch.fraud import models as fraud_models
from dispatch.geocoding import models as geocoding_models
from dispatch.idempotency import models as idempotency_models
from dispatch.notifications import models as notification_models
from dispatch.orders import models as order_models
from dispatch.payments import models as payment_models
from dispatch.planning import models as planning_models
from dispatch.returns import models as return_models
from dispatch.stock import models as stock_models
from dispatch.stoplists import models as stoplist_models
from dispatch.tracking import models as tracking_models
from dispatch.webhooks import models as webhook_models

TABLE_MODULES = (
    auth_models,
    event_models,
    fleet_models,
    fraud_models,
    geocoding_models,
    idempotency_models,
    notification_models,
    order_models,
    payment_models,
    planning_models,
    return_models,
    stock_models,
    stoplist_models,
    tracking_models,
    webhook_models,
)

metadata = Base.metadata
