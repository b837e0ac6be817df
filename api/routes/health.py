"""Liveness and readiness probes for load balancers and orchestrators (no token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.deps import get_database
from dispatch import __version__
from dispatch.db.database import Database

router = APIRouter(prefix="/health", tags=["health"])


class Health(BaseModel):
    status: str
    version: str


@router.get("")
async def live() -> Health:
    """The process is up and answering; touches nothing else."""
    return Health(status="ok", version=__version__)


@router.get("/ready", response_model=Health, responses={503: {"description": "the database cannot be reached"}})
def ready(database: Annotated[Database, Depends(get_database)]) -> Health | JSONResponse:
    """The process can reach its database; 503 otherwise, so traffic goes elsewhere."""
    if not database.reachable():
        return JSONResponse({"status": "unavailable", "version": __version__}, status_code=503)
    return Health(status="ok", version=__version__)
