"""Request and response bodies for users."""

from __future__ import annotations

from pydantic import Field

from dispatch.auth.roles import Role
from dispatch.common.schemas import Command, Id, ReadModel


class UserCreate(Command):
    name: str = Field(min_length=1, max_length=120)
    role: Role
    driver_id: Id | None = Field(None, description="required for drivers, refused otherwise")


class UserRead(ReadModel):
    id: int
    name: str
    role: Role
    driver_id: int | None
    token_prefix: str
    active: bool


class UserCreated(UserRead):
    token: str = Field(description="shown once; only its hash is stored")
