"""Users and tokens (admin), and who am I (everyone)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy import select

from api.deps import PageDep, PrincipalDep, UowDep, require
from dispatch.auth.models import User
from dispatch.auth.roles import Role
from dispatch.auth.schemas import UserCreate, UserCreated, UserRead
from dispatch.auth.service import create_user
from dispatch.common.schemas import Page, page_of
from dispatch.errors import NotFound

router = APIRouter(tags=["users"])


@router.get("/me")
def who_am_i(principal: PrincipalDep, uow: UowDep) -> UserRead:
    with uow:
        user = uow.db.get(User, principal.user_id)
        if user is None:
            raise NotFound("user no longer exists")
        return UserRead.model_validate(user)


@router.post("/users", status_code=201, dependencies=[Depends(require(Role.ADMIN))])
def create(body: UserCreate, uow: UowDep) -> UserCreated:
    with uow:
        user, token = create_user(db=uow.db, name=body.name, role=body.role, driver_id=body.driver_id)
        uow.commit()
        return UserCreated(**UserRead.model_validate(user).model_dump(), token=token)


@router.get("/users", dependencies=[Depends(require(Role.ADMIN))])
def list_users(uow: UowDep, page: PageDep) -> Page[UserRead]:
    with uow:
        query = select(User).order_by(User.id).limit(page.limit + 1)
        if page.after is not None:
            query = query.where(User.id > page.after)
        rows = [UserRead.model_validate(u) for u in uow.db.scalars(query)]
    items, cursor = page_of(rows, page.limit)
    return Page(items=items, next_cursor=cursor)
