"""Architecture rules that keep the layers apart, checked on the real import graph."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _loaded_after(module: str) -> set[str]:
    code = f"import sys, {module}; print('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, cwd=ROOT).stdout
    return set(out.split())


@pytest.mark.parametrize("package", ["dispatch.routing", "dispatch.scenarios"])
def test_pure_libraries_import_neither_web_nor_database(package):
    """The routing core and the scenario library load neither FastAPI/Starlette nor
    SQLAlchemy (both are used from notebooks)."""
    loaded = _loaded_after(package)
    assert not {m for m in loaded if m.split(".")[0] in ("fastapi", "starlette", "sqlalchemy")}


@pytest.mark.parametrize("module", ["orders.domain", "stock.domain", "payments.domain",
                                    "returns.domain", "planning.batching", "tracking.pings"])
def test_domain_rules_need_no_database(module):
    """Each domain's rules module loads without SQLAlchemy or FastAPI."""
    loaded = _loaded_after(f"dispatch.{module}")
    assert not {m for m in loaded if m.split(".")[0] in ("fastapi", "starlette", "sqlalchemy")}


def test_api_routes_do_not_query_the_database():
    """Routes stay thin: no module under api/ imports SQLAlchemy itself."""
    offenders = [p.relative_to(ROOT).as_posix() for p in (ROOT / "api").rglob("*.py")
                 if "sqlalchemy" in p.read_text()]
    assert offenders == []
