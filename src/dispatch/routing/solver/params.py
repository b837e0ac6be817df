"""Solver settings as a parameter object with defaults, loadable from TOML."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

OBJECTIVES = ("cost", "hierarchical")


@dataclass(frozen=True)
class SolveParams:
    """How to search.

    ``objective='cost'`` minimises fixed + per-km + per-hour cost; ``'hierarchical'`` uses
    the fewest vehicles first, then the shortest distance (the benchmark convention).
    ``solution_limit`` (with ``workers=1``) makes a run reproducible: the same problem and
    settings give the same routes whatever the machine's speed.

    From ``decompose_from`` stops up (``None``: never) the problem is split into parts of
    about ``part_size`` stops, solved side by side and improved across their borders: one
    OR-Tools model over thousands of stops is slow to build and slower to improve.
    """

    time_limit: float = 10.0
    solution_limit: int | None = None
    workers: int = 0
    seed: int = 0
    objective: str = "cost"
    minimise_fleet: bool = True
    time_resolution: float | None = None
    log_search: bool = False
    decompose_from: int | None = 1000
    part_size: int = 400

    def __post_init__(self) -> None:
        if not self.time_limit > 0:
            raise ValueError(f"time_limit must be positive, got {self.time_limit}")
        if self.solution_limit is not None and self.solution_limit < 1:
            raise ValueError(f"solution_limit must be at least 1, got {self.solution_limit}")
        if self.workers < 0:
            raise ValueError(f"workers must not be negative, got {self.workers}")
        if self.objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {OBJECTIVES}, got {self.objective!r}")
        if self.time_resolution is not None and not self.time_resolution > 0:
            raise ValueError("time_resolution must be positive")
        if self.decompose_from is not None and self.decompose_from < 2:
            raise ValueError(f"decompose_from must be at least 2, got {self.decompose_from}")
        if self.part_size < 10:
            raise ValueError(f"part_size must be at least 10, got {self.part_size}")

    @property
    def worker_count(self) -> int:
        """Workers to run: all cores (at most 4) unless fixed; 1 when reproducibility matters."""
        if self.workers:
            return self.workers
        if self.solution_limit is not None:
            return 1
        return max(1, min(4, os.cpu_count() or 1))

    def with_(self, **changes: Any) -> SolveParams:
        return replace(self, **changes)

    @classmethod
    def from_toml(cls, path: str | Path) -> SolveParams:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
        data = data.get("solve", data)
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"{path}: unknown solver setting {sorted(unknown)[0]!r}")
        return cls(**data)
