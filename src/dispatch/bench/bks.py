"""Best-known solutions from the ``bks.csv`` kept beside each benchmark folder's files."""

from __future__ import annotations

import csv
import functools
import logging
import math
from pathlib import Path

log = logging.getLogger(__name__)

BKS_FILE = "bks.csv"


def load_bks(instance_path: str | Path) -> tuple[int, float] | None:
    """``(vehicles, distance)`` for the instance, or None when no table lists it.

    Names match case-insensitively because Solomon tables say ``C101`` for ``C101.txt`` while
    other collections use lower case.
    """
    path = Path(instance_path)
    return _table(path.resolve().parent).get(path.stem.lower())


@functools.lru_cache(maxsize=64)
def _table(directory: Path) -> dict[str, tuple[int, float]]:
    """One read per directory: a benchmark run looks up every instance of a folder."""
    csv_path = directory / BKS_FILE
    if not csv_path.is_file():
        log.debug("no %s in %s", BKS_FILE, directory)
        return {}
    table: dict[str, tuple[int, float]] = {}
    with csv_path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"instance", "vehicles", "distance"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{csv_path}, line 1: missing column(s) {sorted(missing)}")
        for row in reader:
            line = reader.line_num
            name = (row["instance"] or "").strip()
            try:
                vehicles = int(row["vehicles"])
                distance = float(row["distance"])
            except (TypeError, ValueError):
                raise ValueError(
                    f"{csv_path}, line {line}: vehicles must be an integer and distance a "
                    f"number, got {row['vehicles']!r} and {row['distance']!r}"
                ) from None
            if not name or vehicles <= 0 or not math.isfinite(distance) or distance < 0:
                raise ValueError(f"{csv_path}, line {line}: invalid entry {row!r}")
            key = name.lower()
            if key in table:
                raise ValueError(f"{csv_path}, line {line}: duplicate instance {name!r}")
            table[key] = (vehicles, distance)
    log.debug("read %d best-known solutions from %s", len(table), csv_path)
    return table
