"""Declarations: the plan period, the inputs (data elements) and the indicators.

These pydantic models are what formulas are resolved and checked against. They are read
from YAML formula files (`renstra check FILE`) and, later, from the catalog. Every model
forbids unknown keys, so a misspelt key is an error rather than silently ignored.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from .errors import CheckError
from .names import MAX_LABEL, MAX_NAME, SNAKE_CASE
from .units import Unit, parse_unit

Identifier = Annotated[
    str, StringConstraints(pattern=f"^{SNAKE_CASE.pattern}$", max_length=MAX_NAME)
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Plan(Strict):
    """The plan period. Relative references that fall before `first_year` read the
    baseline (kondisi awal); cumulative sums start at `first_year`."""

    first_year: int = Field(2022, ge=1900, le=2200)
    last_year: int = Field(2026, ge=1900, le=2200)

    @field_validator("last_year")
    @classmethod
    def _ordered(cls, last: int, info: object) -> int:
        first = getattr(info, "data", {}).get("first_year", last)
        if last < first:
            raise ValueError(f"last_year {last} is before first_year {first}")
        return last

    @property
    def years(self) -> range:
        return range(self.first_year, self.last_year + 1)


def _check_unit(text: str) -> str:
    try:
        parse_unit(text)
    except CheckError as error:
        raise ValueError(f"{error.message} ({error.hint})") from None
    return text


UnitText = Annotated[str, Field(min_length=1, max_length=40)]


class Input(Strict):
    """A data element that formulas read: a count, an amount, an official value."""

    id: Identifier
    label: str = Field(min_length=1, max_length=MAX_LABEL)
    unit: UnitText
    description: str = ""
    aliases: tuple[str, ...] = ()
    # Admissible values, used by the symbolic checks: counts and amounts are never
    # negative; a denominator such as "Jumlah penduduk" is declared positive.
    domain: Literal["nonnegative", "positive", "real"] = "nonnegative"
    # For a share-of-whole formula: the input this one is a part of (0 <= part <= whole).
    part_of: Identifier | None = None

    _unit_is_known = field_validator("unit")(_check_unit)

    @property
    def parsed_unit(self) -> Unit:
        return parse_unit(self.unit)


class Policy(Strict):
    """What evaluation does when it cannot compute normally. The default never turns a
    missing value or a zero denominator into a number."""

    missing: Literal["not_computable", "zero"] = "not_computable"
    zero_denominator: Literal["not_computable", "zero"] = "not_computable"


class Indicator(Strict):
    """An indicator whose value a formula computes."""

    id: Identifier
    label: str = Field(min_length=1, max_length=300)
    unit: UnitText
    formula: str = Field(min_length=1)
    formula_text: str = ""  # the printed wording, verbatim, for the auditor
    aliases: tuple[str, ...] = ()
    policy: Policy = Policy()

    _unit_is_known = field_validator("unit")(_check_unit)

    @property
    def parsed_unit(self) -> Unit:
        return parse_unit(self.unit)


class Declarations(Strict):
    """A plan period with its inputs and indicators: what a formula file holds."""

    plan: Plan = Plan()
    inputs: tuple[Input, ...] = ()
    indicators: tuple[Indicator, ...] = ()
