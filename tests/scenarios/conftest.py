"""Shared fixtures: the showcase scenario files, and a small valid scenario."""

from __future__ import annotations

from pathlib import Path

import pytest

from dispatch.scenarios import Scenario, load_scenario
from tests.scenarios.support import minimal

ROOT = Path(__file__).resolve().parents[2]
SHOWCASE = ("restaurant-lunch", "grocery-sameday", "monaco-parcels")


@pytest.fixture(scope="session")
def showcase() -> dict[str, Scenario]:
    """The three scenario files in ``scenarios/``, loaded once."""
    return {name: load_scenario(ROOT / "scenarios" / f"{name}.yaml") for name in SHOWCASE}


@pytest.fixture
def tiny() -> Scenario:
    """The small valid scenario of ``support.minimal``."""
    return Scenario.model_validate(minimal())
