"""Building blocks shared by the scenario sections: strict models, typed numbers, errors.

Numbers are strict (``true`` or ``"15"`` in a file is a mistake, not 1 or 15) and finite.
Checks that look at more than one field raise :class:`FieldProblem`, which carries the
path of the field at fault relative to the model that raised it, so ``load_scenario`` can
name ``fleet[1].shifts[0]`` instead of the whole file.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AllowInfNan, BaseModel, ConfigDict, Field, Strict, model_validator

Number = Annotated[float, Strict(), AllowInfNan(False)]
Share = Annotated[Number, Field(ge=0, le=1)]
Weight = Annotated[Number, Field(gt=0)]
Lat = Annotated[Number, Field(ge=-90, le=90)]
Lon = Annotated[Number, Field(ge=-180, le=180)]
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=CODE_PATTERN)]
"""An identifier (depot id, SKU code, vehicle name prefix): the service's SKU code rule."""


class FieldProblem(ValueError):
    """A check failed at ``path`` (relative to the model raising it; ``""`` is the model)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


class Strictly(BaseModel):
    """Base of every section: unknown keys are errors, parsed sections are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Spread(Strictly):
    """A duration in minutes, drawn uniformly in ``mean ± spread`` (never negative)."""

    mean: Number = Field(gt=0)
    spread: Number = Field(0.0, ge=0)

    @model_validator(mode="after")
    def _not_negative(self) -> Spread:
        if self.spread > self.mean:
            raise FieldProblem("spread", f"{self.spread:g} is larger than the mean "
                               f"{self.mean:g}, so some durations would be negative")
        return self
