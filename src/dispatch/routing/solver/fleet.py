"""Fleet minimisation for the hierarchical objective: empty a route, re-insert its stops.

Local search with a large per-vehicle cost rarely closes a route on its own: every move
that empties one passes through states that are worse. So we take the best plan, remove
its smallest route, cap the fleet one below, and let the search re-insert those stops.
Success (nothing required dropped) becomes the new plan; two failures in a row stop it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from dispatch.routing.solver.search import SearchResult

log = logging.getLogger(__name__)

Search = Callable[..., SearchResult | None]


def minimise_fleet(best: SearchResult, search: Search, deadline: float,
                   attempt_seconds: float, solution_limit: int | None = None) -> SearchResult:
    """Repeatedly try to serve every stop with one vehicle fewer until time runs out."""
    failures = 0
    tried: set[frozenset[str]] = set()
    while failures < 2 and len(best.plan) > 1:
        remaining = deadline - time.perf_counter()
        if solution_limit is None and remaining < 0.2:
            break
        candidates = sorted(best.plan, key=lambda v: (len(best.plan[v]), v))
        victim = next((v for v in candidates if frozenset(best.plan[v]) not in tried), None)
        if victim is None:
            break
        tried.add(frozenset(best.plan[victim]))
        reduced = {v: stops for v, stops in best.plan.items() if v != victim}
        budget = max(0.1, min(attempt_seconds, remaining))
        result = search(initial=reduced, max_vehicles=len(reduced), time_limit=budget,
                        solution_limit=solution_limit)
        if result is not None and result.dropped_required <= best.dropped_required:
            log.debug("fleet %d -> %d", len(best.plan), len(result.plan))
            best, failures, tried = result, 0, set()
        else:
            failures += 1
    return best
