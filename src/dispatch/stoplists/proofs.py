"""Proof of delivery: the recipient kept at completion, and one signature or photo.

The upload is idempotent by content: the same bytes again succeed without change (a
phone retrying on a flaky network), different bytes once a proof is stored are refused,
so a proof cannot be swapped after the fact.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from dispatch.auth.service import Principal
from dispatch.db.uow import UnitOfWork
from dispatch.errors import Conflict, NotFound
from dispatch.stoplists.domain import StopStatus
from dispatch.stoplists.media import proof_media_type, sha256_hex
from dispatch.stoplists.models import ProofOfDelivery, RouteStop, StopEvent
from dispatch.stoplists.reading import own_stop
from dispatch.stoplists.schemas import ProofRead


@dataclass(frozen=True)
class ProofContent:
    """The stored bytes of a proof and how to serve them."""

    media_type: str
    content: bytes


def _completion_flagged(db: Session, stop_id: int) -> bool:
    return bool(db.scalar(select(StopEvent.flagged_far).where(
        StopEvent.stop_id == stop_id, StopEvent.kind == StopStatus.COMPLETED.value)))


def _proof_read(db: Session, stop: RouteStop, proof: ProofOfDelivery,
                size: int | None) -> ProofRead:
    return ProofRead(stop_id=stop.id, kind=stop.kind, recipient_name=proof.recipient_name,
                     media_type=proof.media_type, sha256=proof.content_sha256, size_bytes=size,
                     flagged_far=_completion_flagged(db, stop.id), created_at=proof.created_at)


def _proof_of(db: Session, stop_id: int, *, lock: bool = False) -> ProofOfDelivery | None:
    query = select(ProofOfDelivery).where(ProofOfDelivery.stop_id == stop_id)
    if lock:
        query = query.with_for_update()
    return db.scalars(query).one_or_none()


def upload_proof(uow: UnitOfWork, principal: Principal, stop_id: int, content_type: str | None,
                 content: bytes) -> ProofRead:
    """Store a signature or photo for the driver's completed stop.

    404 for a stop not on the driver's routes, 415 unless the bytes are the PNG, JPEG or
    WebP they claim to be, 409 before completion or when a different proof is stored.
    """
    with uow:
        db = uow.db
        stop = own_stop(db, stop_id, principal.driver_id)
        media_type = proof_media_type(content_type, content)
        proof = _proof_of(db, stop.id, lock=True)
        if stop.status != StopStatus.COMPLETED.value or proof is None:
            raise Conflict(f"stop {stop_id} is {stop.status}; proof follows completion",
                           field="stop_id", stop_status=stop.status)
        digest = sha256_hex(content)
        if proof.content_sha256 is not None and proof.content_sha256 != digest:
            raise Conflict(f"stop {stop_id} already has a different proof", field="body",
                           sha256=proof.content_sha256)
        if proof.content_sha256 is None:
            proof.media_type, proof.content, proof.content_sha256 = media_type, content, digest
        db.flush()
        result = _proof_read(db, stop, proof, len(content))
        uow.commit()
        return result


def get_proof(uow: UnitOfWork, stop_id: int) -> ProofRead:
    """Who took the parcel and what was uploaded (not the bytes); 404 before completion."""
    with uow:
        db = uow.db
        row = db.execute(
            select(RouteStop, ProofOfDelivery, func.length(ProofOfDelivery.content))
            .join(ProofOfDelivery, ProofOfDelivery.stop_id == RouteStop.id)
            .where(RouteStop.id == stop_id).options(defer(ProofOfDelivery.content))
        ).one_or_none()
        if row is None:
            raise NotFound(f"stop {stop_id} does not exist or has no proof", field="stop_id")
        stop, proof, size = row
        return _proof_read(db, stop, proof, size)


def proof_content(uow: UnitOfWork, stop_id: int) -> ProofContent:
    """The uploaded bytes; 404 when nothing was uploaded."""
    with uow:
        proof = _proof_of(uow.db, stop_id)
        if proof is None or proof.content is None or proof.media_type is None:
            raise NotFound(f"stop {stop_id} has no uploaded proof", field="stop_id")
        return ProofContent(proof.media_type, proof.content)
