"""``simulate``: create (or fill) a vendor organization with a simulated customer base.

Generation is per account and lazy; accounts are written in batches, each batch in its own
transaction under ``rls.tenant_context`` (so a 20-million-event run commits as it goes and its
memory stays flat). The latent truth is saved as JSON next to the database (see
``latent_path``) for the ground-truth export.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import Account
from retention import rls, services
from retention.models import Membership, Organization, Role, User

from . import plans_hook
from .generator import Window, csm_count, csm_names, generate
from .profiles import SimulationProfile, get_profile
from .writer import chunked_events, ingest_events, write_records


class SimulationError(Exception):
    """The simulation cannot run as asked (a clear message for the command line)."""


@dataclass
class SimulationSummary:
    organization_slug: str
    seed: int
    accounts: int
    days: int
    start_date: str
    end_date: str
    profile: str
    events: int = 0
    contacts: int = 0
    contract_lines: int = 0
    tickets: int = 0
    survey_answers: int = 0
    touchpoints: int = 0
    notes: int = 0
    success_plans: int = 0
    churned: int = 0
    contracted: int = 0
    expanded: int = 0
    csms: int = 0
    seconds: float = 0.0
    latent_path: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        return asdict(self) | {"events_per_second": round(self.events_per_second)}


def latent_path(organization_slug: str) -> Path:
    """Where a simulated organization's latent truth is kept: one JSON file per database + slug."""
    directory = Path(getattr(settings, "SIMULATION_DIR", settings.BASE_DIR / "artifacts" / "simulations"))
    db_name = Path(str(connection.settings_dict["NAME"])).stem
    tag = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{db_name}--{organization_slug}")
    return directory / f"{tag}.json"


def _organization(*, slug: str, name: str | None, owner: User | None) -> Organization:
    organization = Organization.objects.filter(slug=slug).first()
    if organization is not None:
        return organization
    if owner is None:
        owner = User.objects.filter(email=f"owner@{slug}.sim.test").first() or User.objects.create_user(
            email=f"owner@{slug}.sim.test", password=None, full_name=f"{slug.replace('-', ' ').title()} Owner"
        )
    return services.organization_create(name=name or slug.replace("-", " ").title(), slug=slug, owner=owner)


def _csm_users(*, organization: Organization, seed: int, count: int, extra: list[User]) -> list[User]:
    users: list[User] = list(extra)
    for full_name in csm_names(seed, count):
        email = f"{full_name.lower().replace(' ', '.')}@{organization.slug}.sim.test"
        user = User.objects.filter(email=email).first() or User.objects.create_user(email=email, password=None, full_name=full_name)
        users.append(user)
    for user in users:
        Membership.objects.get_or_create(organization=organization, user=user, defaults={"role": Role.CSM})
    return users


def simulate(
    *,
    organization_slug: str,
    accounts: int,
    days: int,
    seed: int,
    end_date: dt.date | None = None,
    profile: str | SimulationProfile = "standard",
    progress: bool = True,
    organization_name: str | None = None,
    owner: User | None = None,
    extra_csms: list[User] | None = None,
    replace: bool = False,
) -> SimulationSummary:
    """Simulate ``accounts`` customers over the ``days`` days before ``end_date`` (default today).

    The same arguments always produce the same data. An organization that already has accounts
    is refused unless ``replace`` (which deletes its accounts and everything under them first).
    """
    if accounts < 1 or days < 30:
        raise SimulationError("Simulate at least 1 account over at least 30 days.")
    today = timezone.now().date()
    end_date = end_date or today
    if end_date > today:
        raise SimulationError("The end date cannot be in the future: the product refuses events from the future.")
    prof = get_profile(profile)
    window = Window(end=end_date, days=days)
    started = time.perf_counter()

    with rls.bypass():
        organization = _organization(slug=organization_slug, name=organization_name, owner=owner)
        existing = Account.objects.filter(organization=organization).count()
        if existing and not replace:
            raise SimulationError(f"Organization '{organization_slug}' already has {existing} accounts; pass replace (--replace) to start over.")
        if existing:
            Account.objects.filter(organization=organization).delete()
        csm_users = _csm_users(organization=organization, seed=seed, count=csm_count(accounts, prof), extra=list(extra_csms or []))

    summary = SimulationSummary(
        organization_slug=organization_slug,
        seed=seed,
        accounts=accounts,
        days=days,
        start_date=window.start.isoformat(),
        end_date=end_date.isoformat(),
        profile=prof.name,
        csms=len(csm_users),
    )
    latent: dict[str, dict] = {}
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=accounts, unit="acct", desc=f"simulating {organization_slug}", smoothing=0.05)

    # "now" for the ingestion service's future check: the end of the window at the latest.
    ingest_now = max(timezone.now(), dt.datetime.combine(end_date, dt.time(), tzinfo=dt.UTC))
    batch = []
    stream = generate(seed=seed, accounts=accounts, window=window, profile=prof, n_csms=len(csm_users))
    for sim in stream:
        batch.append(sim)
        if len(batch) >= prof.account_batch_size or sim.index == accounts - 1:
            _write_batch(organization=organization, batch=batch, window=window, csm_users=csm_users, profile=prof, summary=summary, now=ingest_now)
            for a in batch:
                latent[a.external_id] = a.latent
            if bar is not None:
                bar.update(len(batch))
                bar.set_postfix(events=f"{summary.events:,}")
            batch = []
    if bar is not None:
        bar.close()

    summary.seconds = round(time.perf_counter() - started, 2)
    path = latent_path(organization_slug)
    path.parent.mkdir(parents=True, exist_ok=True)
    summary.latent_path = str(path)
    path.write_text(json.dumps({"summary": summary.as_dict(), "accounts": latent}, indent=1, sort_keys=True))
    return summary


def _write_batch(*, organization, batch, window, csm_users, profile, summary: SimulationSummary, now) -> None:
    with rls.tenant_context(organization.id):
        if connection.vendor == "postgresql":
            # Big batches sort and group in memory rather than in temporary files.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '256MB'")
        counts = write_records(organization=organization, batch=batch, window=window, csm_users=csm_users)
        for key, value in counts.items():
            if key != "accounts":
                setattr(summary, key, getattr(summary, key) + value)
        for chunk in chunked_events(batch, window, profile.event_chunk_size):
            summary.events += ingest_events(organization=organization, events=chunk, now=now)
        summary.success_plans += plans_hook.create_success_plans(organization=organization, batch=batch, window=window, csm_users=csm_users)
    for a in batch:
        summary.churned += a.churn_day is not None
        outcomes = {d["outcome"] for d in a.latent["decisions"]}
        summary.contracted += "contraction" in outcomes
        summary.expanded += bool(outcomes & {"seats_added", "addon_added"})
