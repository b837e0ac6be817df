"""What customers were sent: the notification log, for support and the demo."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import PageDep, UowDep, require
from dispatch.auth.roles import Role
from dispatch.common.schemas import Id, Page
from dispatch.notifications import service
from dispatch.notifications.schemas import NotificationRead, NotificationStatus

router = APIRouter(prefix="/notifications", tags=["notifications"],
                   dependencies=[Depends(require(Role.ADMIN, Role.DISPATCHER, Role.OPERATOR))])


@router.get("")
def list_notifications(
    uow: UowDep, page: PageDep,
    order_id: Annotated[Id | None, Query()] = None,
    status: Annotated[NotificationStatus | None, Query()] = None,
) -> Page[NotificationRead]:
    """Rendered messages, oldest first: pending, sent, or failed after every retry."""
    items, cursor = service.list_notifications(uow, order_id=order_id, status=status,
                                               limit=page.limit, after=page.after)
    return Page(items=items, next_cursor=cursor)
