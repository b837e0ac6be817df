"""Readers for Solomon (VRPTW) and Li & Lim (PDPTW) benchmark files.

The format is recognised from the content, not the extension, so renamed or copied files
still load; malformed input raises ``ValueError`` naming the file and line so a broken
download is easy to find.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from pathlib import Path

from dispatch.bench.instance import BenchInstance, BenchNode

log = logging.getLogger(__name__)

_SOLOMON_COLUMNS = "CUST NO. XCOORD. YCOORD. DEMAND READY_TIME DUE_DATE SERVICE_TIME"
_LILIM_COLUMNS = "ID X Y DEMAND READY DUE SERVICE PICKUP DELIVERY"
_SKIPPED_PREFIXES = ("readme", "bks")


def read_instance(path: str | Path) -> BenchInstance:
    """Read one benchmark file, detecting Solomon or Li & Lim from its content."""
    path = Path(path)
    text = path.read_text(encoding="utf-8", errors="replace")
    return parse_instance(text, name=path.stem, source=str(path))


def parse_instance(text: str, name: str, source: str = "<text>") -> BenchInstance:
    """Parse benchmark text; ``source`` only labels error messages."""
    lines = [(number, line.strip()) for number, line in enumerate(text.splitlines(), start=1)]
    lines = [(number, line) for number, line in lines if line]
    if not lines:
        raise ValueError(f"{source}: empty file, expected a Solomon or Li & Lim instance")
    words = {line.split()[0].upper() for _, line in lines}
    if "VEHICLE" in words and "CUSTOMER" in words:
        return _parse_solomon(lines, name, source)
    if _looks_like_lilim(lines):
        return _parse_lilim(lines, name, source)
    raise ValueError(
        f"{source}, line {lines[0][0]}: unrecognised format (no Solomon VEHICLE/CUSTOMER "
        "headers, and not a Li & Lim 'VEHICLES CAPACITY SPEED' line followed by 9-column rows)"
    )


def find_instances(paths: Iterable[str | Path] | str | Path) -> list[Path]:
    """Expand directories to their instance files (sorted ``*.txt``, no README/BKS files)."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    found: list[Path] = []
    for entry in map(Path, paths):
        if entry.is_dir():
            found.extend(
                p
                for p in sorted(entry.glob("*.txt"))
                if p.is_file() and not p.name.lower().startswith(_SKIPPED_PREFIXES)
            )
        elif entry.is_file():
            found.append(entry)
        else:
            raise FileNotFoundError(f"{entry}: no such instance file or directory")
    unique = list(dict.fromkeys(found))
    log.debug("found %d instance files in %d paths", len(unique), len(found))
    return unique


# -- helpers ---------------------------------------------------------------------------
def _numbers(line: str) -> list[float] | None:
    """All tokens as finite floats, or None when any token is not a number."""
    try:
        values = [float(token) for token in line.split()]
    except ValueError:
        return None
    return values if all(math.isfinite(v) for v in values) else None


def _integer(value: float, what: str, source: str, number: int) -> int:
    if not value.is_integer():
        raise ValueError(f"{source}, line {number}: {what} must be an integer, got {value:g}")
    return int(value)


def _row(values: list[float], columns: int, layout: str, source: str, number: int) -> list[float]:
    if len(values) != columns:
        raise ValueError(
            f"{source}, line {number}: expected {columns} numbers ({layout}), got {len(values)}"
        )
    return values


def _node(values: list[float], source: str, number: int) -> BenchNode:
    node_id, x, y, demand, ready, due, service = values[:7]
    node_id = _integer(node_id, "node id", source, number)
    if node_id < 0:
        raise ValueError(f"{source}, line {number}: node id must not be negative, got {node_id}")
    if due < ready:
        raise ValueError(
            f"{source}, line {number}: node {node_id} due time {due:g} is before its ready "
            f"time {ready:g}"
        )
    if service < 0:
        raise ValueError(f"{source}, line {number}: node {node_id} has negative service time")
    pickup = delivery = 0
    if len(values) == 9:
        pickup = _integer(values[7], "PICKUP", source, number)
        delivery = _integer(values[8], "DELIVERY", source, number)
    return BenchNode(node_id, x, y, demand, ready, due, service, pickup, delivery)


def _fleet(values: list[float] | None, source: str, number: int) -> tuple[int, float]:
    if values is None or len(values) < 2:
        raise ValueError(f"{source}, line {number}: expected vehicle number and capacity")
    vehicles = _integer(values[0], "vehicle number", source, number)
    if vehicles <= 0 or values[1] < 0:
        raise ValueError(
            f"{source}, line {number}: vehicle number must be positive and capacity not "
            f"negative, got {vehicles} and {values[1]:g}"
        )
    return vehicles, values[1]


def _check_nodes(nodes: list[BenchNode], numbers: list[int], source: str) -> None:
    """Depot first as node 0, ids unique, so routes can name nodes by the file's ids."""
    if not nodes:
        raise ValueError(f"{source}: no node rows found")
    if nodes[0].id != 0:
        raise ValueError(f"{source}, line {numbers[0]}: first row must be the depot, node 0")
    seen: set[int] = set()
    for node, number in zip(nodes, numbers, strict=True):
        if node.id in seen:
            raise ValueError(f"{source}, line {number}: duplicate node id {node.id}")
        seen.add(node.id)


# -- Solomon ---------------------------------------------------------------------------
def _parse_solomon(lines: list[tuple[int, str]], name: str, source: str) -> BenchInstance:
    heads = [line.split()[0].upper() for _, line in lines]
    vehicle_at = heads.index("VEHICLE")
    customer_at = heads.index("CUSTOMER")
    fleet_rows = [
        (number, values)
        for number, line in lines[vehicle_at + 1 : customer_at]
        if (values := _numbers(line)) is not None
    ]
    if not fleet_rows:
        raise ValueError(
            f"{source}, line {lines[vehicle_at][0]}: no 'NUMBER CAPACITY' values after VEHICLE"
        )
    vehicles, capacity = _fleet(fleet_rows[0][1], source, fleet_rows[0][0])
    nodes: list[BenchNode] = []
    numbers: list[int] = []
    for number, line in lines[customer_at + 1 :]:
        values = _numbers(line)
        if values is None:
            if nodes:
                raise ValueError(f"{source}, line {number}: not a customer row: {line!r}")
            continue  # the column header line(s)
        row = _row(values, 7, _SOLOMON_COLUMNS, source, number)
        nodes.append(_node(row, source, number))
        numbers.append(number)
    _check_nodes(nodes, numbers, source)
    return BenchInstance(name, "vrptw", vehicles, capacity, tuple(nodes))


# -- Li & Lim --------------------------------------------------------------------------
def _looks_like_lilim(lines: list[tuple[int, str]]) -> bool:
    first = _numbers(lines[0][1])
    if first is None or len(first) != 3 or len(lines) < 2:
        return False
    return len(lines[1][1].split()) == 9


def _parse_lilim(lines: list[tuple[int, str]], name: str, source: str) -> BenchInstance:
    vehicles, capacity = _fleet(_numbers(lines[0][1]), source, lines[0][0])
    nodes: list[BenchNode] = []
    numbers: list[int] = []
    for number, line in lines[1:]:
        values = _numbers(line)
        if values is None:
            raise ValueError(f"{source}, line {number}: not a numeric row: {line!r}")
        nodes.append(_node(_row(values, 9, _LILIM_COLUMNS, source, number), source, number))
        numbers.append(number)
    _check_nodes(nodes, numbers, source)
    _check_pairs(nodes, numbers, source)
    return BenchInstance(name, "pdptw", vehicles, capacity, tuple(nodes))


def _check_pairs(nodes: list[BenchNode], numbers: list[int], source: str) -> None:
    """Every pickup names a delivery that names it back, with the opposite demand."""
    by_id = {node.id: node for node in nodes}
    for node, number in zip(nodes[1:], numbers[1:], strict=True):
        where = f"{source}, line {number}: node {node.id}"
        if (node.pickup == 0) == (node.delivery == 0):
            raise ValueError(
                f"{where} must name exactly one partner (PICKUP {node.pickup}, "
                f"DELIVERY {node.delivery})"
            )
        partner_id = node.delivery or node.pickup
        partner = by_id.get(partner_id)
        if partner is None or partner_id == 0:
            raise ValueError(f"{where} names partner {partner_id}, which is not a customer")
        back = partner.pickup if node.delivery else partner.delivery
        if back != node.id:
            raise ValueError(
                f"{where} names partner {partner_id}, but node {partner_id} names {back}"
            )
        if node.delivery and not (node.demand >= 0 and partner.demand == -node.demand):
            raise ValueError(
                f"{where}: pickup demand {node.demand:g} must be non-negative and match "
                f"delivery {partner_id}'s demand {partner.demand:g} with opposite sign"
            )
