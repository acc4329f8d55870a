"""What really happened to each account of a (simulated) organization: churn, contraction and
expansion with their dates, derived from the contract lines exactly as the product derives MRR
movements (``accounts.mrr``), plus the simulator's latent causes when its JSON file is present.

Used to backtest health scores: a score computed before ``date`` should have seen it coming.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from accounts import mrr
from accounts.models import Account, ContractLine
from retention import rls

from .runner import latent_path

KINDS = ("churn", "contraction", "expansion")
# A driver counts as a cause when it moved the churn log-odds by at least this much.
CAUSE_THRESHOLD = 0.3


@dataclass
class Movement:
    account_external_id: str
    account_name: str
    segment: str
    kind: str  # churn | contraction | expansion
    date: str  # the first day at the new MRR (ISO)
    mrr_before: Decimal
    mrr_after: Decimal
    causes: list[str] = field(default_factory=list)
    churn_probability: float | None = None


def account_movements(lines: list[mrr.LineRow]) -> list[tuple[str, object, Decimal, Decimal]]:
    """Day-exact MRR changes of one account: ``(kind, date, before, after)``, oldest first."""
    days = sorted({ln.start_date for ln in lines} | {ln.end_date + mrr.dt.timedelta(days=1) for ln in lines if ln.end_date is not None})
    out = []
    previous, had_mrr = mrr.ZERO, False
    for day in days:
        current = mrr.mrr_on(lines, day)
        change = mrr.classify(previous=previous, current=current, had_mrr_before=had_mrr)
        if change is not None:
            out.append((change[0], day, previous, current))
        had_mrr = had_mrr or current > 0
        previous = current
    return out


def _causes(decision: dict | None) -> tuple[list[str], float | None]:
    if decision is None:
        return [], None
    drivers = {k: v for k, v in decision.get("drivers", {}).items() if k != "usage_ratio" and v is not None}
    causes = [k for k, v in sorted(drivers.items(), key=lambda kv: (-kv[1], kv[0])) if v >= CAUSE_THRESHOLD or k == "unexplained"]
    if decision.get("outcome") == "churn" and not causes:
        causes = ["baseline_risk"]  # no single trace stood out: the everyday risk every customer carries
    if decision.get("outcome") == "contraction":
        causes = ["low_seat_utilization", *causes]
    if decision.get("kind") == "expansion":
        causes = ["seats_near_limit" if decision.get("outcome") == "seats_added" else "high_value_addon"]
    return causes, decision.get("p_churn")


def ground_truth(*, organization, with_latent: bool = True) -> list[Movement]:
    """Every churn, contraction and expansion of the organization's accounts, by date then account."""
    latent = {}
    path = latent_path(organization.slug)
    if with_latent and path.exists():
        latent = json.loads(path.read_text()).get("accounts", {})
    with rls.tenant_context(organization.id):
        accounts = {a.id: a for a in Account.objects.filter(organization=organization).only("id", "external_id", "name", "segment")}
        by_account: dict[int, list[mrr.LineRow]] = defaultdict(list)
        for account_id, amount, start, end in ContractLine.objects.filter(organization=organization).values_list("account_id", "mrr", "start_date", "end_date"):
            by_account[account_id].append(mrr.LineRow(account_id=account_id, mrr=amount, start_date=start, end_date=end))
    out: list[Movement] = []
    for account_id, lines in by_account.items():
        account = accounts[account_id]
        decisions = {d["date"]: d for d in latent.get(account.external_id, {}).get("decisions", [])}
        for kind, day, before, after in account_movements(lines):
            if kind not in KINDS:
                continue
            causes, p = _causes(decisions.get(day.isoformat()))
            out.append(Movement(account.external_id, account.name, account.segment, kind, day.isoformat(), before, after, causes, p))
    out.sort(key=lambda m: (m.date, m.account_external_id, m.kind))
    return out


def as_csv(movements: list[Movement]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["account_external_id", "account_name", "segment", "kind", "date", "mrr_before", "mrr_after", "mrr_change", "causes", "churn_probability"])
    for m in movements:
        writer.writerow(
            [
                m.account_external_id,
                m.account_name,
                m.segment,
                m.kind,
                m.date,
                m.mrr_before,
                m.mrr_after,
                m.mrr_after - m.mrr_before,
                ";".join(m.causes),
                "" if m.churn_probability is None else m.churn_probability,
            ]
        )
    return buffer.getvalue()


def as_json(movements: list[Movement], *, organization) -> str:
    latent = {}
    path = latent_path(organization.slug)
    if path.exists():
        latent = json.loads(path.read_text())
    rows = [asdict(m) | {"mrr_before": str(m.mrr_before), "mrr_after": str(m.mrr_after)} for m in movements]
    return json.dumps(
        {"organization": organization.slug, "simulation": latent.get("summary"), "movements": rows, "latent": latent.get("accounts", {})},
        indent=1,
        sort_keys=True,
    )
