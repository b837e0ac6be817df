"""A small valid scenario document to break in tests, and a writer for YAML files."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

_MINIMAL: dict[str, Any] = {
    "name": "tiny",
    "timezone": "Europe/Monaco",
    "depots": [{"id": "kitchen", "name": "Kitchen", "lat": 43.7384, "lon": 7.4246,
                "hours": ["10:00", "15:00"], "picking_minutes": {"mean": 10, "spread": 2}}],
    "fleet": [
        {"count": 2, "name_prefix": "bike", "depot": "kitchen", "vehicle": "bike",
         "capacity_weight_g": 10000, "capacity_volume_ml": 40000, "shifts": [["10:00", "14:00"]]},
        {"count": 1, "name_prefix": "hot", "depot": "kitchen", "vehicle": "bike",
         "capacity_weight_g": 10000, "capacity_volume_ml": 40000, "skills": ["hot-bag"],
         "shifts": [["10:00", "12:00"], ["12:30", "14:00"]]},
    ],
    "catalogue": {
        "skus": [{"code": "PIZZA", "name": "Pizza", "price_minor": 1200, "weight_g": 550,
                  "volume_ml": 3500, "skills": ["hot-bag"]},
                 {"code": "WATER", "name": "Water", "price_minor": 250, "weight_g": 520,
                  "volume_ml": 500}],
        "opening_stock": {"kitchen": {"PIZZA": 20, "WATER": 30}},
    },
    "demand": {
        "rate": [{"from": "11:00", "to": "12:00", "per_hour": 20},
                 {"from": "12:00", "to": "13:00", "per_hour": 40}],
        "basket": {"lines": {"min": 1, "max": 2}, "quantity": {"min": 1, "max": 3}},
        "zones": [{"name": "north", "weight": 2,
                   "circle": {"lat": 43.7410, "lon": 7.4255, "radius_m": 300}},
                  {"name": "south", "weight": 1,
                   "box": {"min_lat": 43.727, "min_lon": 7.412, "max_lat": 43.731,
                           "max_lon": 7.418}}],
        "windows": {"width_minutes": 30, "lead_minutes": 20, "align_minutes": 10},
        "payment": {"card": 0.8, "cash": 0.2, "declined": 0.1},
        "customer_pool": 30,
    },
    "service_minutes": {"mean": 2.5, "spread": 0.5},
    "noise": {"travel_time_cv": 0.2, "service_time_cv": 0.3, "not_home_rate": 0.05,
              "returns": {"return_rate": 0.1, "exchange_share": 0.3,
                          "reasons": {"damaged": 1, "wrong_item": 3}}},
}


def minimal() -> dict[str, Any]:
    """A fresh copy of a small valid scenario document, to mutate in a test."""
    return copy.deepcopy(_MINIMAL)


def write_yaml(directory: Path, data: Any, name: str = "scenario.yaml") -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path
