"""Reading scenario files: the showcase files load, and every mistake is one line naming
the file and the field."""

from __future__ import annotations

import pytest

from dispatch.scenarios import Scenario, ScenarioError, load_scenario, scenario_from_dict
from tests.scenarios.conftest import ROOT, SHOWCASE
from tests.scenarios.support import minimal, write_yaml


def _error(tmp_path, data, name="grocery-sameday.yaml") -> str:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write_yaml(tmp_path, data, name))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{name}: ")
    return message


@pytest.mark.parametrize("name", SHOWCASE)
def test_showcase_files_load(name):
    """Each file in scenarios/ loads into a Scenario named after the file."""
    scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    assert isinstance(scenario, Scenario)
    assert scenario.name == name


def test_unknown_key_is_named(tmp_path):
    """A misspelt key is an error at its path with the likely spelling, not silently ignored
    (and not reported as the right spelling "missing")."""
    data = minimal()
    data["depots"][0]["picking_minute"] = data["depots"][0].pop("picking_minutes")
    message = _error(tmp_path, data)
    assert message == ("grocery-sameday.yaml: depots[0].picking_minute: unknown field; "
                       "did you mean 'picking_minutes'?")


def test_unknown_top_level_key_is_named(tmp_path):
    """An unknown section is refused by name."""
    data = minimal()
    data["vehicles"] = []
    assert "vehicles: unknown field (expected one of: name, description" in _error(tmp_path, data)


def test_unknown_depot_in_fleet(tmp_path):
    """A vehicle group at a depot that does not exist names the group's depot field."""
    data = minimal()
    data["fleet"][1]["depot"] = "warehouse-9"
    message = _error(tmp_path, data)
    assert "fleet[1].depot: unknown depot 'warehouse-9' (depots: kitchen)" in message


def test_shift_end_before_start(tmp_path):
    """A shift ending before it starts names the shift: the example in the brief."""
    data = minimal()
    data["fleet"][1]["shifts"][0] = ["10:00", "09:00"]
    message = _error(tmp_path, data)
    assert message == "grocery-sameday.yaml: fleet[1].shifts[0]: end 09:00 is before start 10:00"


def test_negative_zone_weight(tmp_path):
    """A zone weight must be positive, and the error points at it."""
    data = minimal()
    data["demand"]["zones"][1]["weight"] = -1
    assert "demand.zones[1].weight: must be > 0" in _error(tmp_path, data)


def test_share_above_one(tmp_path):
    """A share above 1 is refused at its field."""
    data = minimal()
    data["noise"]["not_home_rate"] = 1.5
    assert "noise.not_home_rate: must be <= 1, got 1.5" in _error(tmp_path, data)


def test_negative_doorstep_time_per_kg(tmp_path):
    """Time per kilogram at the door cannot be negative, and the error names it."""
    data = minimal()
    data["service_minutes"]["per_kg"] = -0.1
    assert "service_minutes.per_kg: must be >= 0, got -0.1" in _error(tmp_path, data)


@pytest.mark.parametrize("bad", ["25:00", "11h30", "11:75", ""])
def test_bad_time_string(tmp_path, bad):
    """A clock time that is not HH:MM within the day names the field and the value."""
    data = minimal()
    data["depots"][0]["hours"][0] = bad
    message = _error(tmp_path, data)
    assert "depots[0].hours[0]: expected a clock time HH:MM" in message
    assert repr(bad) in message


def test_yaml_syntax_error_says_the_line(tmp_path):
    """Broken YAML reports the line and column, not a parser traceback."""
    path = tmp_path / "broken.yaml"
    path.write_text("name: broken\ndepots:\n  - id: [kitchen\n    name: x\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"^broken\.yaml: not valid YAML: line \d+, column \d+"):
        load_scenario(path)


def test_missing_file(tmp_path):
    """A missing file is a ScenarioError naming the path."""
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(ScenarioError, match="nowhere.yaml: cannot read"):
        load_scenario(path)


def test_duplicate_key_is_an_error(tmp_path):
    """A key written twice is refused with its line rather than keeping the last value."""
    path = tmp_path / "twice.yaml"
    path.write_text("name: a\nname: b\n", encoding="utf-8")
    with pytest.raises(ScenarioError,
                       match=r"^twice\.yaml: not valid YAML: line 2.*duplicate key 'name'"):
        load_scenario(path)


def test_unquoted_clock_times_read_as_text(tmp_path):
    """An unquoted 11:30 means half past eleven, not YAML 1.1's base-60 number 690."""
    text = write_yaml(tmp_path, minimal()).read_text().replace("'11:00'", "11:00")
    assert "from: 11:00" in text
    path = tmp_path / "unquoted.yaml"
    path.write_text(text, encoding="utf-8")
    assert str(load_scenario(path).demand.rate[0].start) == "11:00"


def test_top_level_must_be_a_mapping(tmp_path):
    """A file holding a list (or nothing) is refused in one line."""
    assert "expected a mapping" in _error(tmp_path, [1, 2])
    (tmp_path / "empty.yaml").write_text("", encoding="utf-8")
    with pytest.raises(ScenarioError, match="empty.yaml: expected a mapping"):
        load_scenario(tmp_path / "empty.yaml")


def test_missing_section_is_named(tmp_path):
    """A required section left out is named as missing."""
    data = minimal()
    del data["demand"]["windows"]
    assert "demand.windows: missing field" in _error(tmp_path, data)


def test_several_errors_are_counted_on_one_line(tmp_path):
    """With several mistakes the first is shown and the rest counted, still one line."""
    data = minimal()
    data["depots"][0]["lat"] = 123
    data["noise"]["not_home_rate"] = 2
    message = _error(tmp_path, data)
    assert "depots[0].lat: must be <= 90, got 123" in message
    assert message.endswith("(and 1 more)")


def test_from_dict_uses_the_same_messages():
    """Notebooks validate a dict and get the same one-line errors, named by source."""
    data = minimal()
    data["fleet"][0]["vehicle"] = "rocket"
    with pytest.raises(ScenarioError, match=r"^mine: fleet\[0\]\.vehicle: expected 'bike'"):
        scenario_from_dict(data, source="mine")
