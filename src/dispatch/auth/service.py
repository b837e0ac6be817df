"""Creating users and resolving a bearer token to the user holding it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.auth.models import User
from dispatch.auth.roles import Role, check_role_binding
from dispatch.auth.schemas import UserCreate, UserCreated, UserRead
from dispatch.auth.tokens import hash_token, new_token
from dispatch.db.crud import read_one, read_page
from dispatch.db.uow import UnitOfWork
from dispatch.errors import Invalid, NotFound
from dispatch.fleet.models import Driver


@dataclass(frozen=True)
class Principal:
    """The authenticated caller as services see it; ``user_id`` is None for the system
    (the wave scheduler) and for customers acting through their tracking link."""

    user_id: int | None
    name: str
    role: Role
    driver_id: int | None = None


def create_user(
    *, db: Session, name: str, role: Role | str, driver_id: int | None = None
) -> tuple[User, str]:
    """Create a user and return it with its token (the only time the token is visible)."""
    try:
        role = Role(role)
    except ValueError:
        raise Invalid(f"unknown role {role!r}; one of {[r.value for r in Role]}", field="role") from None
    try:
        check_role_binding(role, driver_id)
    except ValueError as exc:
        raise Invalid(str(exc), field="driver_id") from None
    if driver_id is not None and db.get(Driver, driver_id) is None:
        raise NotFound(f"driver {driver_id} does not exist", field="driver_id")
    token = new_token()
    user = User(
        name=name,
        role=role.value,
        driver_id=driver_id,
        token_hash=hash_token(token),
        token_prefix=token[:8],
    )
    db.add(user)
    db.flush()
    return user, token


def principal_for_token(*, db: Session, token: str) -> Principal | None:
    """The active user holding ``token``, or None."""
    user = db.scalars(
        select(User).where(User.token_hash == hash_token(token), User.active.is_(True))
    ).one_or_none()
    if user is None:
        return None
    return Principal(user.id, user.name, Role(user.role), user.driver_id)


def get_user(uow: UnitOfWork, user_id: int) -> UserRead:
    return read_one(uow, User, user_id, UserRead, what="user", field="user_id")


def add_user(uow: UnitOfWork, cmd: UserCreate) -> UserCreated:
    """Create a user from an API request; the token is in the response, once."""
    with uow:
        user, token = create_user(db=uow.db, name=cmd.name, role=cmd.role, driver_id=cmd.driver_id)
        uow.commit()
        return UserCreated(**UserRead.model_validate(user).model_dump(), token=token)


def list_users(uow: UnitOfWork, *, limit: int, after: int | None) -> tuple[list[UserRead], str | None]:
    return read_page(uow, select(User), User.id, UserRead, limit=limit, after=after)
