"""Returns in the simulated day: some customers send a delivered order back, and the
return runs through the real returns service from request to refund or exchange.

After each delivery the scenario's behaviour says whether (and why, and how long after)
the customer asks for a return. At that moment the operator records the request for the
whole order, with a pickup window starting then, and approves it, so the next wave plans
a pickup stop. The driver collects it like any stop; when they are back at their depot
the units are inspected (restocked, or scrapped when damaged) and the return is settled:
a refund, or an exchange order for the same items. The returns service places that
exchange for the next day (``returns.resolution``), so it is confirmed and its stock
reserved today but delivered outside the simulated day.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from dispatch.db.database import Database
from dispatch.errors import DomainError
from dispatch.orders.models import OrderLine
from dispatch.returns import service
from dispatch.returns.domain import InspectionOutcome, ReturnReason, ReturnStatus
from dispatch.returns.models import Return
from dispatch.returns.schemas import ApproveIn, InspectionIn, ReturnCreate
from dispatch.scenarios.behaviour import Behaviour, ReturnRequest
from dispatch.settings import Settings
from dispatch.sim.agenda import Agenda
from dispatch.sim.setup import Operation

log = logging.getLogger(__name__)

PICKUP_WINDOW = timedelta(hours=2)
"""How long the customer is there to hand the items back, from the request on."""
RETURN_WINDOW = timedelta(days=Settings.model_fields["return_window_days"].default)
"""The service's default return window (a same-day return is always inside it)."""


@dataclass(frozen=True)
class ReturnRefusal:
    """A step of a return the service refused (the day goes on without it)."""

    at: datetime
    order_id: int
    return_id: int | None
    code: str
    detail: str


@dataclass
class ReturnDesk:
    """The operator's side of returns: records and approves requests, and receives and
    settles what drivers bring back to the depot."""

    database: Database
    operation: Operation
    agenda: Agenda
    behaviour: Behaviour
    refused: list[ReturnRefusal] = field(default_factory=list)

    def delivered(self, order_id: int) -> None:
        """An order was just delivered: its customer may ask for a return later."""
        wish = self.behaviour.wants_return()
        if wish is not None:
            self.agenda.at(self.agenda.now + wish.after, lambda: self._request(order_id, wish))

    def _request(self, order_id: int, wish: ReturnRequest) -> None:
        now, operator = self.agenda.now, self.operation.operator
        with self.database.read_uow() as uow:
            lines = uow.db.execute(select(OrderLine.id, OrderLine.sku_code, OrderLine.quantity)
                                   .where(OrderLine.order_id == order_id)
                                   .order_by(OrderLine.id)).all()
        cmd = ReturnCreate.model_validate({
            "lines": [{"order_line_id": line.id, "quantity": line.quantity,
                       "reason": wish.reason} for line in lines],
            "resolution": "exchange" if wish.exchange else "refund",
            # Like for like: the same items again.
            "replacement_lines": [{"sku": line.sku_code, "quantity": line.quantity}
                                  for line in lines] if wish.exchange else [],
            "pickup_window": {"start": now, "end": now + PICKUP_WINDOW},
        })
        return_id = None
        try:
            ret = service.request_return(self.database.uow(), order_id, cmd, operator,
                                         return_window=RETURN_WINDOW, now=now)
            return_id = ret.id
            service.approve(self.database.uow(), ret.id, ApproveIn(), operator, ret.version)
        except DomainError as error:
            self._refuse(order_id, return_id, error)

    def unload(self, driver_id: int) -> None:
        """A driver is back at the depot: inspect and settle every return they carry."""
        with self.database.read_uow() as uow:
            carried = uow.db.scalars(
                select(Return).where(Return.driver_id == driver_id,
                                     Return.status == ReturnStatus.PICKED_UP.value)
                .order_by(Return.id)).all()
            inspections = [(ret.id, ret.order_id, _inspection(ret)) for ret in carried]
        for return_id, order_id, inspection in inspections:
            self._settle(return_id, order_id, inspection)

    def _settle(self, return_id: int, order_id: int, inspection: InspectionIn) -> None:
        operator = self.operation.operator
        try:
            ret = service.receive(self.database.uow(), return_id, inspection, operator)
            service.resolve(self.database.uow(), return_id, operator, ret.version,
                            now=self.agenda.now)
        except DomainError as error:  # e.g. no stock for the exchange: it stays received
            self._refuse(order_id, return_id, error)

    def _refuse(self, order_id: int, return_id: int | None, error: DomainError) -> None:
        log.info("return of order %s refused: %s", order_id, error.detail)
        self.refused.append(ReturnRefusal(self.agenda.now, order_id, return_id, error.code,
                                          error.detail))


def _inspection(ret: Return) -> InspectionIn:
    """Damaged units are scrapped; everything else goes back on the shelf."""
    return InspectionIn.model_validate({"lines": [
        {"return_line_id": line.id,
         "outcome": (InspectionOutcome.SCRAP if line.reason == ReturnReason.DAMAGED.value
                     else InspectionOutcome.RESTOCK).value}
        for line in ret.lines]})
