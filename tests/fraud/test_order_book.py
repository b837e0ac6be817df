"""The screening's view of the order book, on both databases: a placement's history and
the anomaly model fitted on recent orders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from dispatch.fraud.model_cache import AnomalyModels, training_rows
from dispatch.fraud.records import address_key, history_of
from dispatch.fraud.signals import FEATURE_NAMES, Placement, ScreeningPolicy
from dispatch.orders.models import Order
from tests.support.routes import placed_order
from tests.support.world import CASINO

ELSEWHERE = (43.7290, 7.4150)


def placement(**changes) -> Placement:
    """Placed a second from now (after the orders the test placed)."""
    values = dict(at=datetime.now(UTC) + timedelta(seconds=1), customer_id=None, phone=None,
                  address_key=address_key(*ELSEWHERE), card_token=None, total_minor=1000,
                  units=1, lat=ELSEWHERE[0], lon=ELSEWHERE[1])
    return Placement(**{**values, **changes})


def test_the_history_is_the_orders_sharing_an_identifier(database, world):
    at_casino = placed_order(database, world, email="a@example.com")
    placed_order(database, world, email="b@example.com", where=ELSEWHERE)
    with database.read_uow() as uow:
        # A stranger at another door shares the test world's phone number with both.
        by_phone = history_of(uow.db, placement(phone="+377 93 15 00 00"))
        by_door = history_of(uow.db, placement(lat=CASINO[0], lon=CASINO[1],
                                               address_key=address_key(*CASINO)))
        nobody = history_of(uow.db, placement())
        excluded = history_of(uow.db, placement(lat=CASINO[0], lon=CASINO[1]),
                              exclude_order=at_casino)
    assert len(by_phone) == 2
    assert [(o.lat, o.lon) for o in by_door] == [CASINO]
    assert by_door[0].declined is False and by_door[0].delivered is False
    assert len(nobody) == 1  # the order at the same door
    assert excluded == []


def test_the_history_forgets_orders_older_than_90_days(database, world):
    old = placed_order(database, world, email="a@example.com")
    with database.uow() as uow:
        uow.db.execute(update(Order).where(Order.id == old)
                       .values(created_at=datetime.now(UTC) - timedelta(days=91)))
        uow.commit()
    with database.read_uow() as uow:
        assert history_of(uow.db, placement(lat=CASINO[0], lon=CASINO[1])) == []


def test_the_model_is_fitted_once_there_is_enough_history_and_then_kept(database, world):
    now = datetime.now(UTC) + timedelta(seconds=1)
    clock = [0.0]
    models = AnomalyModels(refit_seconds=60, clock=lambda: clock[0])
    policy = ScreeningPolicy()
    for i in range(49):
        placed_order(database, world, (("OAT-MILK-1L", 1),), email=f"m{i}@example.com")
    with database.read_uow() as uow:
        assert training_rows(uow.db, now, policy).shape == (49, len(FEATURE_NAMES))
        assert models.model(uow.db, now, policy) is None  # fewer than 50 orders
    placed_order(database, world, (("OAT-MILK-1L", 1),), email="m49@example.com")
    with database.read_uow() as uow:
        assert models.model(uow.db, now, policy) is None  # still cached for a minute
        clock[0] = 61.0
        fitted = models.model(uow.db, now, policy)
        assert fitted is not None and fitted.n_features == len(FEATURE_NAMES)
        assert models.model(uow.db, now, policy) is fitted
