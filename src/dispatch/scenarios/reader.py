"""The YAML dialect of scenario files: safe YAML with two traps removed.

YAML 1.1 reads an unquoted ``11:30`` as the base-60 integer 690, and a key written twice
silently keeps the last value. Scenario files are full of clock times and hand edits, so
here ``11:30`` stays text and a repeated key is an error with its line.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.constructor import ConstructorError

_BASE_60 = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
_STR = "tag:yaml.org,2002:str"


class _ScenarioLoader(yaml.SafeLoader):
    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode and implicit[0] and _BASE_60.match(value):
            return _STR
        return super().resolve(kind, value, implicit)

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # an unhashable key: the base class reports it
                continue
            if duplicate:
                raise ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


def read_yaml(text: str) -> Any:
    """Parse one YAML document the scenario way; errors are ``yaml.YAMLError``."""
    return yaml.load(text, Loader=_ScenarioLoader)  # a SafeLoader: no arbitrary objects
