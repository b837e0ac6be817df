"""A request that committed its work but died before storing its response is not re-run."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from dispatch.db.base import utcnow
from dispatch.errors import Conflict
from dispatch.idempotency import service as keys
from dispatch.idempotency.models import IdempotencyKey
from dispatch.stock.models import Warehouse
from tests.support.world import seed_world

TTL, STALE = timedelta(hours=24), timedelta(seconds=60)


def _claim(database, owner, now):
    return keys.begin(database.uow(), owner_user_id=owner, key="order-77", fingerprint="f1",
                      ttl=TTL, stale_after=STALE, now=now)


def test_committed_work_is_never_repeated(database):
    """The work commits with its key marked; after the process 'dies', a late retry gets 409."""
    owner = seed_world(database).principals["dispatcher"].user_id
    start = utcnow()
    key_id, stored = _claim(database, owner, start)
    assert stored is None
    uow = database.uow()
    uow.before_commit(lambda db: keys.mark_committed(db, key_id))
    with uow:
        uow.db.add(Warehouse(code="MENTON", name="Menton", lat=43.77, lon=7.50))
        uow.commit()
    # No finish(): the process died here. Long after the stale limit, the client retries.
    with pytest.raises(Conflict, match="completed"):
        _claim(database, owner, start + timedelta(minutes=5))
    keys.release(database.uow(), key_id)  # an error path must not free it either
    with database.uow() as uow:
        state = uow.db.scalars(select(IdempotencyKey.state)).one()
        menton = uow.db.scalars(select(Warehouse).where(Warehouse.code == "MENTON")).all()
    assert state == "committed" and len(menton) == 1


def test_work_that_rolled_back_can_be_retried(database):
    """Without a commit the key stays in flight; once stale, a retry takes it over."""
    owner = seed_world(database).principals["dispatcher"].user_id
    start = utcnow()
    key_id, _ = _claim(database, owner, start)
    uow = database.uow()
    uow.before_commit(lambda db: keys.mark_committed(db, key_id))
    with uow:
        uow.db.add(Warehouse(code="MENTON", name="Menton", lat=43.77, lon=7.50))
        # no commit: the unit of work rolls back
    again, stored = _claim(database, owner, start + timedelta(minutes=5))
    assert again == key_id and stored is None
