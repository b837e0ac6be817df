"""The OR-Tools search: encoding, strategies, portfolio, fleet minimisation, reasons."""

from dispatch.routing.solver.params import SolveParams
from dispatch.routing.solver.solve import solve

__all__ = ["SolveParams", "solve"]
