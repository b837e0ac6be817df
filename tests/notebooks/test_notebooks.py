"""The walkthroughs in ``notebooks/`` run top to bottom with short parameters, offline.

Each notebook is executed in memory with nbclient (see ``support``), in a kernel on the
venv's interpreter, from ``notebooks/``. The files are never rewritten: they are committed
without outputs, which a test here also checks. Parameters follow papermill's convention:
the first code cell, tagged ``parameters``, gets the short values below.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
BENCHMARKS = ROOT.parent / "shared" / "benchmarks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))

# Short values injected into each notebook's ``parameters`` cell.
PARAMETERS: dict[str, dict[str, object]] = {
    "routing-quickstart.ipynb": {"TIME_LIMIT": 1.0},
    "benchmarks-vs-bks.ipynb": {"TIME_LIMIT": 0.5},
    "scenarios.ipynb": {"SEED": 7},
    "simulate-a-day.ipynb": {"UNTIL": "12:15", "SOLUTION_LIMIT": 5, "PLAN_TIME_LIMIT": 1.0},
    "forecasting.ipynb": {"SEED": 1, "DAYS": 70, "STEADY": 4, "SLOW": 2, "NEW": 1},
}
# Seconds a whole notebook may take, kernel start included (pytest-timeout), and any one
# of its cells (nbclient). On 2 cores the first three run in about 15 s together; the
# simulated morning (two policies, an hour of the lunch rush each) takes 13-25 s.
TIMEOUTS = {"benchmarks-vs-bks.ipynb": 90, "simulate-a-day.ipynb": 90}
DEFAULT_TIMEOUT = 60
# Words in each notebook's outputs that show it did its job (lower case), and which
# notebooks draw an inline PNG chart.
EXPECTED: dict[str, list[str]] = {
    "routing-quickstart.ipynb": ["stops_served", "waiting (min)", "leaflet"],
    "benchmarks-vs-bks.ipynb": ["distance gap %", "vehicle gap", "bks_distance", "cnv_gap_pct",
                                "c101", "r101", "rc101", "lc101", "lr101", "pyvrp", "vroom"],
    "scenarios.ipynb": ["restaurant-lunch", "grocery-sameday", "monaco-parcels",
                        "window (min)", "leaflet"],
    "simulate-a-day.ipynb": ["on_time_rate", "km_per_order", "driver_utilisation",
                             "eta_mae_min", "leaflet"],
    "forecasting.ipynb": ["holt_winters", "croston_sba", "total mase", "seasonal-naive",
                          "reorder point", "safety stock"],
}
CHARTS = {"benchmarks-vs-bks.ipynb", "scenarios.ipynb", "simulate-a-day.ipynb",
          "forecasting.ipynb"}
# What given cells (by id) must show: words in their outputs, and whether they draw.
CELL_EXPECTED: dict[str, dict[str, list[str]]] = {
    "simulate-a-day.ipynb": {
        # Both policies played, and only up to the injected UNTIL.
        "simulate": ["'planned': '11:15-12:15", "'greedy': '11:15-12:15"],
        "kpis": ["planned - greedy", "on_time_rate", "km_per_order"],
        "rows": ["policy", "planned", "greedy", "on time", "not delivered"],
    },
}
CELL_CHARTS = {"simulate-a-day.ipynb": ("chart", "drivers")}
NEEDS_BENCHMARKS = {"benchmarks-vs-bks.ipynb"}
NEEDS_PEERS = {"benchmarks-vs-bks.ipynb": ("pyvrp", "vroom")}

# Strings a browser never fetches: XML namespaces (matplotlib's SVG, Leaflet's SVG layer).
INERT_URL = re.compile(r"https?://www\.w3\.org/")
ANY_URL = re.compile(r"https?://[^\s\"'<>)]*", re.I)
FETCHING_ATTRIBUTE = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:|//)""", re.I)


def _timeout(path: Path) -> int:
    return TIMEOUTS.get(path.name, DEFAULT_TIMEOUT)


def _run_param(path: Path):
    marks = [pytest.mark.timeout(_timeout(path))]
    if path.name in NEEDS_BENCHMARKS:
        marks.append(pytest.mark.needs_shared)
        if not (BENCHMARKS / "solomon").is_dir() or not (BENCHMARKS / "lilim100").is_dir():
            marks.append(pytest.mark.skip(
                reason=f"shared benchmark data not found at {BENCHMARKS} (../shared/benchmarks)"))
    return pytest.param(path, id=path.stem, marks=marks)


def test_notebooks_are_found():
    """The walkthroughs exist, and each one has its short parameters here."""
    names = {path.name for path in PATHS}
    assert {"routing-quickstart.ipynb", "benchmarks-vs-bks.ipynb", "scenarios.ipynb",
            "simulate-a-day.ipynb"} <= names
    assert names <= set(PARAMETERS), "give a new notebook its short parameters in PARAMETERS"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_committed_notebook_is_clean(path):
    """Committed without outputs or execution counts (clean diffs); opens with a markdown
    title; its first code cell is tagged ``parameters``."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = nb["cells"]
    assert nb["nbformat"] == 4
    assert cells[0]["cell_type"] == "markdown" and "".join(cells[0]["source"]).startswith("# ")
    code = [(i, cell) for i, cell in enumerate(cells) if cell["cell_type"] == "code"]
    for index, cell in code:
        assert cell["outputs"] == [], f"cell {index} has outputs: clear them before committing"
        assert cell["execution_count"] is None, f"cell {index} has an execution count"
    assert "parameters" in code[0][1]["metadata"].get("tags", []), "no parameters cell first"


@pytest.mark.parametrize("path", [_run_param(p) for p in PATHS])
def test_notebook_runs_offline_with_short_parameters(path, tmp_path):
    """Every cell runs without error or stderr, the key outputs are there, and nothing in
    them would make a browser fetch from the network (only XML namespaces are allowed)."""
    for module in ("nbformat", "nbclient", "ipykernel"):
        pytest.importorskip(module, reason=f"{module} missing: pip install -e '.[dev]'")
    for peer in NEEDS_PEERS.get(path.name, ()):
        pytest.importorskip(peer, reason=f"{peer} missing: pip install -e '.[bench]'")
    from tests.notebooks.support import outputs, run_notebook

    before = path.read_bytes()
    nb = run_notebook(path, PARAMETERS.get(path.name, {}), _timeout(path), tmp_path)
    assert path.read_bytes() == before, "running a notebook must not rewrite it"
    found = outputs(nb)
    assert not [body for kind, body in found if kind == "error"]
    stderr = [body for kind, body in found if kind == "stderr"]
    assert not stderr, f"a cell wrote to stderr (a warning?): {stderr[0][:500]}"
    text = "\n".join(body for kind, body in found if kind != "image/png").lower()
    for expected in EXPECTED.get(path.name, []):
        assert expected in text, f"no output mentions {expected!r}"
    if path.name in CHARTS:
        assert "image/png" in {kind for kind, _ in found}, "no inline PNG chart"
    for cell_id, words in CELL_EXPECTED.get(path.name, {}).items():
        shown = "\n".join(body for kind, body in outputs(nb, cell_id) if kind != "image/png")
        for expected in words:
            assert expected in shown.lower(), f"cell {cell_id} does not show {expected!r}"
    for cell_id in CELL_CHARTS.get(path.name, ()):
        assert "image/png" in {kind for kind, _ in outputs(nb, cell_id)}, f"{cell_id}: no chart"
    urls = sorted({url for url in ANY_URL.findall(text) if not INERT_URL.match(url)})
    assert not urls, f"outputs link to the network: {urls[:5]}"
    assert not FETCHING_ATTRIBUTE.search(text), "an output loads something over the network"
