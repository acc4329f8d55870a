"""The KPI registry (definitions the UI shows) and ``format_kpi``."""

import inspect
from decimal import Decimal as D

import pytest

from dashboards.kpis import KPI_DEFINITIONS, Unit, format_kpi

# Every KPI DESIGN.md §5 / issue 6 asks for, by registry key.
REQUIRED = {
    "mrr",
    "arr",
    "mrr_new",
    "mrr_expansion",
    "mrr_contraction",
    "mrr_churn",
    "mrr_reactivation",
    "nrr",
    "grr",
    "revenue_churn_rate",
    "customer_churn_rate",
    "renewal_rate",
    "downgrade_rate",
    "downgrade_to_churn",
    "expansion_revenue",
    "expansion_revenue_growth",
    "customer_lifespan",
    "ltv",
    "nps",
    "csat",
    "dau_mau",
    "wau_mau",
    "dau_wau",
    "retention_d7",
    "retention_d30",
    "feature_adoption",
    "activation_milestones",
    "time_to_first_value",
    "time_to_first_repeat",
}


def test_every_kpi_of_the_design_is_registered():
    assert set(KPI_DEFINITIONS) >= REQUIRED


@pytest.mark.parametrize("key", sorted(KPI_DEFINITIONS))
def test_each_definition_is_the_functions_own_docstring_and_states_its_unit(key):
    definition = KPI_DEFINITIONS[key]
    doc = " ".join(inspect.getdoc(definition.function).split())
    assert definition.key == key
    assert doc.startswith(definition.formula)
    assert definition.definition in doc
    assert "Unit:" in definition.definition
    # the developer-only part stays out of what users read
    assert "Inputs:" not in definition.definition
    assert "``" not in definition.definition


@pytest.mark.parametrize("key", sorted(k for k, d in KPI_DEFINITIONS.items() if d.unit in (Unit.RATIO, Unit.DAYS, Unit.MONTHS, Unit.NPS)))
def test_each_ratio_or_average_definition_says_what_an_empty_input_shows(key):
    assert "no value" in KPI_DEFINITIONS[key].definition.lower()


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [
        ("nrr", 1.0421, "104.2 %"),
        ("grr", 0.9, "90.0 %"),
        ("expansion_revenue_growth", -0.125, "−12.5 %"),
        ("mrr", D("12400"), "$12,400"),
        ("ltv", D("10092.50"), "$10,093"),
        ("mrr_net_new", D("-1200"), "−$1,200"),
        ("time_to_first_value", 38.0, "38 days"),
        ("time_to_first_value", 7.25, "7.3 days"),
        ("time_to_first_repeat", 1, "1 day"),
        ("customer_lifespan", 60.0, "60 months"),
        ("nps", 42.4, "+42"),
        ("nps", -7.5, "−8"),
        ("nps", 0.2, "0"),
        ("csat", None, "—"),
        ("mrr", None, "—"),
    ],
)
def test_format_kpi_gives_the_display_string(key, value, shown):
    assert format_kpi(key, value) == shown


def test_format_kpi_refuses_an_unknown_key():
    with pytest.raises(KeyError):
        format_kpi("nrrr", 1.0)
