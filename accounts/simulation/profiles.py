"""Simulation profiles: the knobs that size a simulated customer base, and the product vocabulary.

A profile never changes the causal model, only its volume (events per active user, how many
records of each kind), so a small demo and the 20-million-event benchmark behave alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The vendor's product vocabulary. Value events are the outcomes the product exists for;
# friction events are what users hit when it does not work for them.
VALUE_EVENTS = [
    "report_generated",
    "report_shared",
    "automation_run",
    "workflow_completed",
    "integration_synced",
    "dashboard_shared",
    "insight_acted_on",
    "forecast_published",
]
NEUTRAL_EVENTS = [
    "login",
    "dashboard_viewed",
    "search_performed",
    "record_updated",
    "comment_added",
    "file_uploaded",
    "project_created",
    "user_invited",
    "settings_changed",
]
FRICTION_EVENTS = [
    "error_shown",
    "export_failed",
    "sync_failed",
    "permission_denied",
    "help_article_viewed",
    "support_widget_opened",
    "session_timeout",
]
EVENT_NAMES = VALUE_EVENTS + NEUTRAL_EVENTS + FRICTION_EVENTS

# Relative frequency within each group (same order as the lists above).
VALUE_WEIGHTS = [0.24, 0.10, 0.22, 0.16, 0.10, 0.06, 0.07, 0.05]
NEUTRAL_WEIGHTS = [0.30, 0.24, 0.14, 0.12, 0.07, 0.05, 0.03, 0.03, 0.02]
FRICTION_WEIGHTS = [0.26, 0.14, 0.14, 0.10, 0.18, 0.10, 0.08]

# Events that carry a numeric ``value`` and what it measures (stored in properties as "unit").
VALUE_UNITS = {"automation_run": "minutes_saved", "integration_synced": "records", "workflow_completed": "minutes"}


@dataclass(frozen=True)
class SegmentSpec:
    """Plan, price and size range of one customer segment."""

    key: str
    share: float
    plan: str
    list_price_per_seat: float
    seats_range: tuple[int, int]
    annual_share: float
    discount_range: tuple[float, float]


SEGMENTS = [
    SegmentSpec("smb", 0.62, "Starter", 29.0, (3, 15), 0.45, (0.0, 10.0)),
    SegmentSpec("mid_market", 0.29, "Growth", 45.0, (15, 70), 0.85, (5.0, 18.0)),
    SegmentSpec("enterprise", 0.09, "Enterprise", 62.0, (70, 320), 1.0, (10.0, 30.0)),
]

ADDONS = [
    # name, price per month per 10 licensed seats, minimum monthly price
    ("Advanced analytics add-on", 55.0, 120.0),
    ("SSO & audit log add-on", 30.0, 90.0),
    ("Premium support add-on", 40.0, 150.0),
]


@dataclass(frozen=True)
class SimulationProfile:
    """Volume knobs. ``events_per_active_user`` is the mean number of product events a user who
    is active on a day produces beyond the first one."""

    name: str
    events_per_active_user: float = 2.5
    # Scales every segment's seat range (smaller customers, fewer users and events per account).
    seat_scale: float = 1.0
    # Usage events only for the last N days of the window (None: all of it), as if the vendor had
    # connected its event pipeline then; contracts, tickets, surveys, meetings cover the whole window.
    event_days: int | None = None
    # Share of accounts whose contract started inside the simulated window (new customers).
    new_customer_share: float = 0.2
    nps_interval_days: int = 90
    ticket_rate_scale: float = 1.0
    csm_accounts_per_human_csm: int = 40
    csm_min: int = 2
    csm_max: int = 40
    notes_scale: float = 1.0
    event_chunk_size: int = 200_000
    account_batch_size: int = 250
    extra: dict = field(default_factory=dict)


PROFILES: dict[str, SimulationProfile] = {
    # make demo on SQLite: real histories, modest event volume.
    "demo": SimulationProfile(name="demo", events_per_active_user=0.1, seat_scale=0.25, event_days=70, event_chunk_size=20_000, account_batch_size=100),
    # tests: the smallest volume that still shows the causal structure.
    "test": SimulationProfile(name="test", events_per_active_user=0.1, seat_scale=0.3, event_chunk_size=20_000, account_batch_size=100),
    "standard": SimulationProfile(name="standard"),
    # bench: 10,000 accounts x 365 days >= 20 million events.
    "large": SimulationProfile(name="large", events_per_active_user=0.25, seat_scale=0.8, account_batch_size=500, event_chunk_size=250_000),
}


def get_profile(name_or_profile: str | SimulationProfile) -> SimulationProfile:
    if isinstance(name_or_profile, SimulationProfile):
        return name_or_profile
    try:
        return PROFILES[name_or_profile]
    except KeyError:
        raise ValueError(f"Unknown simulation profile {name_or_profile!r}; choose one of {', '.join(PROFILES)}.") from None
