"""The KPI registry: one ``KpiDefinition`` per KPI, built from the KPI function's own docstring.

The docstring is the single source of the definition a user reads: its first paragraph is the
formula in plain words, and everything up to the developer-only ``Inputs:`` paragraph (formula,
unit, edge cases) is the help text pages show. ``format_kpi`` turns a value into its display
string ("104.2 %", "$12,400", "38 days").
"""

from __future__ import annotations

import enum
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

MISSING = "—"  # what the UI shows for "no value" (empty cohort, nothing to divide by)
_MINUS = "−"  # typographic minus, so negative figures read as numbers rather than dashes


class Unit(enum.StrEnum):
    MONEY = "money"  # Decimal, the organization's currency (USD)
    RATIO = "ratio"  # float fraction, 1.0 = 100 %; may exceed 1 (NRR) or be negative (growth)
    DAYS = "days"  # float number of days
    MONTHS = "months"  # float number of months
    NPS = "nps"  # float score from -100 to +100


@dataclass(frozen=True)
class KpiDefinition:
    key: str
    name: str
    formula: str  # the first paragraph of the docstring: the formula in plain words
    definition: str  # formula, unit and edge cases: the help text shown beside the number
    unit: Unit
    higher_is_better: bool
    function: Callable[..., Any]


KPI_DEFINITIONS: dict[str, KpiDefinition] = {}


def _paragraphs(doc: str) -> list[str]:
    """Docstring paragraphs with the line wrapping undone (the UI re-wraps)."""
    return [" ".join(block.split()) for block in inspect.cleandoc(doc).split("\n\n") if block.strip()]


def user_facing_paragraphs(doc: str) -> list[str]:
    """The paragraphs before the developer-only ``Inputs:`` paragraph."""
    paragraphs = _paragraphs(doc)
    for index, paragraph in enumerate(paragraphs):
        if paragraph.startswith("Inputs:"):
            return paragraphs[:index]
    return paragraphs


def kpi(key: str, *, name: str, unit: Unit, higher_is_better: bool) -> Callable[[F], F]:
    """Register a KPI function under ``key``; its docstring becomes the definition."""

    def register(function: F) -> F:
        if key in KPI_DEFINITIONS:
            raise ValueError(f"KPI {key!r} is registered twice")
        paragraphs = user_facing_paragraphs(function.__doc__ or "")
        if not paragraphs:
            raise ValueError(f"KPI {key!r} needs a docstring: it is the definition users read")
        KPI_DEFINITIONS[key] = KpiDefinition(
            key=key,
            name=name,
            formula=paragraphs[0],
            definition=" ".join(paragraphs),
            unit=unit,
            higher_is_better=higher_is_better,
            function=function,
        )
        return function

    return register


def _round(value: Any, places: int) -> Decimal:
    exponent = Decimal(1).scaleb(-places)
    return Decimal(str(value)).quantize(exponent, rounding=ROUND_HALF_UP)


def _signed(text: str, negative: bool) -> str:
    return f"{_MINUS}{text}" if negative else text


def _number(value: Any, places: int) -> str:
    """Rounded, thousands-separated, trailing ".0" dropped: 38 → "38", 7.5 → "7.5"."""
    rounded = _round(value, places)
    text = f"{abs(rounded):,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return _signed(text, rounded < 0)


def format_value(unit: Unit, value: Any) -> str:
    """The display string of ``value`` in ``unit``; ``None`` is shown as "—"."""
    if value is None:
        return MISSING
    if unit is Unit.MONEY:
        rounded = _round(value, 0)
        return _signed(f"${abs(rounded):,.0f}", rounded < 0)
    if unit is Unit.RATIO:
        rounded = _round(Decimal(str(value)) * 100, 1)
        return _signed(f"{abs(rounded):,.1f} %", rounded < 0)
    if unit is Unit.DAYS:
        text = _number(value, 1)
        return f"{text} day" if text == "1" else f"{text} days"
    if unit is Unit.MONTHS:
        text = _number(value, 1)
        return f"{text} month" if text == "1" else f"{text} months"
    if unit is Unit.NPS:
        rounded = _round(value, 0)
        return f"+{rounded:.0f}" if rounded > 0 else _signed(f"{abs(rounded):.0f}", rounded < 0)
    raise ValueError(f"unknown unit {unit!r}")


def format_kpi(key: str, value: Any) -> str:
    """The display string of a KPI's value, e.g. ``format_kpi("nrr", 1.0421) == "104.2 %"``.

    Raises ``KeyError`` for an unknown key, so a typo in a page fails its test instead of
    showing a wrongly formatted number.
    """
    return format_value(KPI_DEFINITIONS[key].unit, value)
