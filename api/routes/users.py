"""Users and tokens (admin), and who am I (everyone)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.deps import PageDep, PrincipalDep, UowDep, require
from dispatch.auth import service
from dispatch.auth.roles import Role
from dispatch.auth.schemas import UserCreate, UserCreated, UserRead
from dispatch.common.schemas import Page

router = APIRouter(tags=["users"])


@router.get("/me")
def who_am_i(principal: PrincipalDep, uow: UowDep) -> UserRead:
    return service.get_user(uow, principal.user_id)


@router.post("/users", status_code=201, dependencies=[Depends(require(Role.ADMIN))])
def create_user(body: UserCreate, uow: UowDep) -> UserCreated:
    return service.add_user(uow, body)


@router.get("/users", dependencies=[Depends(require(Role.ADMIN))])
def list_users(uow: UowDep, page: PageDep) -> Page[UserRead]:
    items, cursor = service.list_users(uow, limit=page.limit, after=page.after)
    return Page(items=items, next_cursor=cursor)
