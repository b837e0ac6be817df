"""Drivable road graph read from an OpenStreetMap extract, cached as compressed numpy arrays.

Reading and cleaning a ``.osm.pbf`` takes about a second even for a small city, and the
result only changes with the file, so the finished graph is stored as an ``.npz`` keyed by
the file's path, size and mtime (plus the road profile below).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import time
import zipfile
from pathlib import Path

import networkx as nx
import numpy as np
import osmium

from dispatch.routing.matrices.great_circle import haversine_metres

log = logging.getLogger(__name__)

#: Bump when the graph construction or the cache layout changes, so old caches are ignored.
CACHE_FORMAT = 1

#: Free-flow car speed by ``highway=*`` class, used when a way has no numeric ``maxspeed``.
SPEEDS_KMH: dict[str, float] = {
    "motorway": 100.0,
    "motorway_link": 60.0,
    "trunk": 80.0,
    "trunk_link": 50.0,
    "primary": 50.0,
    "primary_link": 40.0,
    "secondary": 45.0,
    "secondary_link": 35.0,
    "tertiary": 40.0,
    "tertiary_link": 30.0,
    "unclassified": 30.0,
    "residential": 25.0,
    "road": 25.0,
    "living_street": 10.0,
}
#: ``highway=service`` (parking aisles, driveways) is only kept on request.
SERVICE_KMH = 15.0

_NO_ACCESS = frozenset({"no", "private"})
_FORWARD = frozenset({"yes", "true", "1"})
_REVERSE = frozenset({"-1", "reverse"})
_BOTH = frozenset({"no", "false", "0"})
_PLAIN_NUMBER = re.compile(r"^\s*\d+(\.\d+)?\s*$")
_MIN_LENGTH_M = 1e-3  # two nodes at one position: a zero weight could be dropped from a CSR
_MIN_TIME_S = 1e-4
_FIELDS = ("node_ids", "coords", "indptr", "indices", "length", "time", "raw_counts")


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/dispatch/road``, else ``~/.cache/dispatch/road`` (never the package)."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "dispatch" / "road"


def rowwise_metres(a: np.ndarray, b: np.ndarray, block: int = 128) -> np.ndarray:
    """Great-circle distance between matching rows of ``a`` and ``b``.

    Uses the diagonal of :func:`haversine_metres` on small blocks so that segment lengths,
    snap legs and the great-circle matrix all come from one formula; that is what makes
    ``road >= great circle`` hold exactly by the triangle inequality.
    """
    out = np.empty(len(a), dtype=float)
    for start in range(0, len(a), block):
        stop = start + block
        out[start:stop] = np.diagonal(haversine_metres(a[start:stop], b[start:stop]))
    return out


def _car_allowed(tags: dict[str, str]) -> bool:
    """Most specific access tag wins: motorcar, then motor_vehicle, vehicle, access."""
    for key in ("motorcar", "motor_vehicle", "vehicle", "access"):
        value = tags.get(key)
        if value is not None:
            return value.strip().lower() not in _NO_ACCESS
    return True


def _speed_kmh(tags: dict[str, str], include_service: bool) -> float | None:
    """Speed for a drivable way, or None when cars cannot use it."""
    highway = tags.get("highway", "")
    default = SPEEDS_KMH.get(highway)
    if highway == "service" and include_service:
        default = SERVICE_KMH
    if default is None or tags.get("area") == "yes" or not _car_allowed(tags):
        return None
    maxspeed = tags.get("maxspeed", "")
    if _PLAIN_NUMBER.match(maxspeed) and 5.0 <= float(maxspeed) <= 150.0:
        return float(maxspeed)  # plain numbers are km/h in OSM; "30 mph", "FR:urban" are not
    return default


def _directions(tags: dict[str, str]) -> tuple[bool, bool]:
    """(forward, backward) along the way's node order; motorways are one-way by OSM rule."""
    oneway = tags.get("oneway", "").strip().lower()
    if oneway in _FORWARD:
        return True, False
    if oneway in _REVERSE:
        return False, True
    if oneway in _BOTH:
        return True, True
    if tags.get("junction") in ("roundabout", "circular") or tags.get("highway") == "motorway":
        return True, False
    return True, True


def _read_osm(path: Path, include_service: bool):
    """Directed segments ``(tail osm id, head osm id, km/h)`` and the node positions."""
    positions: dict[int, tuple[float, float]] = {}
    segments: list[tuple[int, int, float]] = []
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()  # the location cache sees every node before the filters run
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    for way in processor:
        tags = {tag.k: tag.v for tag in way.tags}
        kmh = _speed_kmh(tags, include_service)
        if kmh is None:
            continue
        forward, backward = _directions(tags)
        previous = None
        for node in way.nodes:
            if not node.location.valid():  # referenced node cut off by the extract boundary
                previous = None
                continue
            positions[node.ref] = (node.location.lat, node.location.lon)
            if previous is not None and previous != node.ref:
                if forward:
                    segments.append((previous, node.ref, kmh))
                if backward:
                    segments.append((node.ref, previous, kmh))
            previous = node.ref
    return positions, segments


def _build_arrays(path: Path, include_service: bool) -> dict[str, np.ndarray]:
    """Parse, merge parallel edges, keep the largest strongly connected component, pack CSR."""
    try:
        positions, segments = _read_osm(path, include_service)
    except RuntimeError as exc:
        raise ValueError(f"could not read OSM file {path}: {exc}") from exc
    if not segments:
        raise ValueError(f"OSM file {path} contains no drivable roads")
    tail_ids, head_ids, speed = (np.array(column) for column in zip(*segments, strict=True))
    ids = np.fromiter(sorted(positions), dtype=np.int64, count=len(positions))
    coords = np.array([positions[i] for i in ids.tolist()], dtype=float)
    u, v = np.searchsorted(ids, tail_ids), np.searchsorted(ids, head_ids)
    length = np.maximum(rowwise_metres(coords[u], coords[v]), _MIN_LENGTH_M)
    seconds = np.maximum(length / (speed / 3.6), _MIN_TIME_S)

    # Two ways over the same pair of nodes: keep the minimum of each weight separately;
    # every shortest-path run uses one weight only, so that is exact for both runs.
    order = np.lexsort((v, u))
    u, v, length, seconds = u[order], v[order], length[order], seconds[order]
    starts = np.flatnonzero(np.r_[True, (np.diff(u) != 0) | (np.diff(v) != 0)])
    u, v = u[starts], v[starts]
    length = np.minimum.reduceat(length, starts)
    seconds = np.minimum.reduceat(seconds, starts)

    graph = nx.DiGraph()
    graph.add_nodes_from(range(len(ids)))
    graph.add_edges_from(zip(u.tolist(), v.tolist(), strict=True))
    component = max(nx.strongly_connected_components(graph), key=len)
    keep = np.zeros(len(ids), dtype=bool)
    keep[list(component)] = True
    new_index = np.cumsum(keep) - 1  # monotonic, so edges stay sorted by (u, v)
    inside = keep[u] & keep[v]
    u, v = new_index[u[inside]], new_index[v[inside]]
    n = int(keep.sum())
    indptr = np.r_[0, np.cumsum(np.bincount(u, minlength=n))].astype(np.int64)
    return {
        "node_ids": ids[keep],
        "coords": coords[keep],
        "indptr": indptr,
        "indices": v.astype(np.int64),
        "length": length[inside],
        "time": seconds[inside],
        "raw_counts": np.array([len(ids), len(starts)], dtype=np.int64),
    }


def _cache_file(source: Path, cache_dir: Path, include_service: bool) -> Path:
    stat = source.stat()
    key = json.dumps(
        {
            "format": CACHE_FORMAT,
            "path": str(source),
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
            "include_service": include_service,
            "speeds": SPEEDS_KMH,
            "service_kmh": SERVICE_KMH,
        },
        sort_keys=True,
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:20]
    return cache_dir / f"{source.name.split('.')[0] or 'roads'}-{digest}.npz"


def _load_cache(path: Path) -> dict[str, np.ndarray] | None:
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in _FIELDS}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        log.warning("ignoring unreadable road cache %s: %s", path, exc)
        return None


def _save_cache(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write to a temporary file and rename, so a crash never leaves half a cache behind."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            np.savez_compressed(fh, **arrays)
        os.replace(tmp, path)
    except OSError as exc:  # a read-only cache only costs a rebuild next time
        log.warning("could not write road cache %s: %s", path, exc)
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def load_road_arrays(
    path: str | os.PathLike[str],
    cache_dir: str | os.PathLike[str] | None = None,
    include_service: bool = False,
) -> tuple[dict[str, np.ndarray], bool]:
    """Graph arrays for an OSM file and whether they came from the cache.

    The cache is used when the file's path, size and mtime (and the road profile) match;
    otherwise the graph is built and written to the cache for next time.
    """
    source = Path(path).expanduser().resolve()
    if not source.is_file():
        raise ValueError(f"OSM file not found: {source}")
    cache_root = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    cache_file = _cache_file(source, cache_root, include_service)
    arrays = _load_cache(cache_file)
    if arrays is not None:
        log.debug("road graph for %s loaded from %s", source, cache_file)
        return arrays, True
    started = time.perf_counter()
    arrays = _build_arrays(source, include_service)
    raw_nodes, raw_edges = (int(c) for c in arrays["raw_counts"])
    log.info(
        "built road graph from %s in %.2fs: %d nodes, %d edges kept as the largest strongly "
        "connected component of %d nodes, %d edges",
        source.name,
        time.perf_counter() - started,
        len(arrays["node_ids"]),
        len(arrays["indices"]),
        raw_nodes,
        raw_edges,
    )
    _save_cache(cache_file, arrays)
    return arrays, False
