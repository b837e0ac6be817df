"""Problem documents (YAML/JSON): parsing and field-naming errors."""

from pathlib import Path

import pytest

from dispatch.routing.problem_file import load_problem, parse_time, problem_from_dict

SCENARIO = (Path(__file__).resolve().parents[2] / "scenarios" / "problems"
            / "restaurant-lunch.yaml")


def document(**changes):
    doc = {
        "depots": [{"id": "kitchen", "location": {"lat": 43.7384, "lon": 7.4246}}],
        "vehicles": [{"id": "bike-1", "start": "kitchen", "shift": ["11:00", "14:00"],
                      "capacity": {"meals": 10}}],
        "stops": [{"id": "order-1", "location": {"lat": 43.74, "lon": 7.42},
                   "windows": [["11:30", "12:00"]], "demand": {"meals": 2}}],
    }
    doc.update(changes)
    return doc


def test_default_scenario_loads():
    """The README's default scenario is a valid problem."""
    problem = load_problem(SCENARIO)
    assert len(problem.vehicles) == 6
    assert len(problem.stops) >= 40


def test_clock_times_become_seconds():
    """HH:MM and HH:MM:SS parse to seconds since midnight; numbers pass through."""
    assert parse_time("11:30", "t") == 41400
    assert parse_time("00:00:05", "t") == 5
    assert parse_time(90, "t") == 90


def test_depot_reference_resolves_to_its_location():
    """A vehicle's start may name a depot."""
    problem = problem_from_dict(document())
    assert problem.vehicles[0].start == problem.depots[0].location


def test_late_cost_makes_a_window_close_soft():
    doc = document()
    doc["stops"][0]["late_cost_per_hour"] = 120
    stop = problem_from_dict(doc).stops[0]
    assert stop.soft_close and stop.late_cost_per_hour == 120
    assert not problem_from_dict(document()).stops[0].soft_close


@pytest.mark.parametrize("change, field", [
    ({"stops": [{"id": "order-1", "location": {"lat": 95, "lon": 7}}]}, r"stops\[0\].location"),
    ({"stops": [{"id": "order-1", "location": {"lat": 43.7, "lon": 7.4},
                 "windows": [["12:00", "11:00"]]}]}, r"stops\[0\].windows\[0\]"),
    ({"stops": [{"location": {"lat": 43.7, "lon": 7.4}}]}, r"stops\[0\].id: missing"),
    ({"vehicles": [{"id": "bike-1", "start": "garage", "shift": ["11:00", "14:00"]}]},
     r"vehicles\[0\].start: unknown depot 'garage'"),
    ({"vehicles": [{"id": "bike-1", "start": "kitchen", "shift": ["11:00", "noon"]}]},
     r"vehicles\[0\].shift"),
    ({"vehicles": [{"id": "bike-1", "start": "kitchen", "shift": [0, 10], "colour": 1}]},
     r"vehicles\[0\].colour: unknown field"),
    ({"stops": [{"id": "order-1", "location": {"lat": 43.7, "lon": 7.4},
                 "demand": {"meals": -1}}]}, r"stops\[0\].*demand.meals"),
])
def test_errors_name_the_field(change, field):
    """Each bad value is reported with the path of the field that holds it."""
    with pytest.raises(ValueError, match=field):
        problem_from_dict(document(**change))


def test_unreadable_and_malformed_files(tmp_path):
    """A missing file and invalid YAML give one clear ValueError."""
    with pytest.raises(ValueError, match="cannot read"):
        load_problem(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("vehicles: [unclosed")
    with pytest.raises(ValueError, match="not valid"):
        load_problem(bad)
