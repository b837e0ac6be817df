"""Large problems in parts: split by geography, solve side by side, improve across borders."""

from dispatch.routing.decomposition.decomposed import decomposable, solve_decomposed

__all__ = ["decomposable", "solve_decomposed"]
