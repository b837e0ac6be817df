"""Named random streams from one seed, so each kind of draw is independent of the others.

Every stream is a child of ``numpy.random.SeedSequence(seed)``: adding draws to baskets
does not move arrival times, and the simulator's behaviour draws do not depend on how
many orders the demand produced. New streams go at the end of :data:`STREAMS`, so the
existing ones keep their values for a given seed.
"""

from __future__ import annotations

import numpy as np

STREAMS = ("arrivals", "homes", "customers", "picks", "baskets", "windows", "payments",
           "travel", "service", "not_home", "returns", "picking")


def check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def streams(seed: int, *names: str) -> tuple[np.random.Generator, ...]:
    """One generator per name in ``names``, the same for the same seed and name."""
    children = np.random.SeedSequence(check_seed(seed)).spawn(len(STREAMS))
    return tuple(np.random.default_rng(children[STREAMS.index(name)]) for name in names)
