"""``python manage.py backtest --org SLUG``: replay scores at past dates and report how well they
separated the accounts that churned (or contracted) in the following 90 days."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from dashboards.backtest import default_dates, run_backtest
from dashboards.scorecards import scorecard_get_active
from retention import rls
from retention.models import Organization

from .run_nightly import parse_day


def _fmt(value, pattern="{:.3f}") -> str:
    return "n/a" if value is None else pattern.format(value)


class Command(BaseCommand):
    help = "Backtest the active scorecard: ROC AUC, top-decile lift, churn rate per band; propose re-fitted weights."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="Organization slug.")
        parser.add_argument("--until", type=parse_day, help="Last replay date (default: 90 days ago).")
        parser.add_argument("--periods", type=int, default=12, help="Number of replay dates (default 12).")
        parser.add_argument("--step", type=int, default=30, help="Days between replay dates (default 30).")

    def handle(self, *args, org, until=None, periods=12, step=30, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization with the slug {org!r}.")
        if periods < 1 or step < 1:
            raise CommandError("--periods and --step must be positive.")
        today = (until + dt.timedelta(days=90)) if until else None
        dates = default_dates(today=today, periods=periods, step_days=step)
        with rls.tenant_context(organization.id):
            run = run_backtest(organization=organization, scorecard=scorecard_get_active(organization=organization), dates=dates)
        report = run.report
        used = report["dates"]
        if not used:
            raise CommandError("No replay date has 56 days of usage history behind it; pass a later --until or fewer --periods.")
        self.stdout.write(f"Scorecard v{report['scorecard_version']}, {len(used)} dates from {used[0]} to {used[-1]}, horizon {report['horizon_days']} days")
        for name in ("churn", "churn_or_contraction"):
            r = report[name]
            self.stdout.write(
                f"{name}: n={r['observations']} events={r['events']} rate={_fmt(r['rate'], '{:.1%}')} "
                f"AUC={_fmt(r['auc'])} top-decile lift={_fmt(r['top_decile_lift'], '{:.2f}')}"
            )
            for band, b in r["bands"].items():
                self.stdout.write(f"  {band:<7} n={b['observations']:<6} churned={b['events']:<5} rate={_fmt(b['rate'], '{:.1%}')}")
        proposal = report["proposal"]
        if proposal:
            self.stdout.write(
                f"Proposed weights (hold-out {proposal['holdout_dates'][0]}…, n={proposal['holdout_observations']}): "
                f"AUC current={_fmt(proposal['holdout_auc_current'])} proposed={_fmt(proposal['holdout_auc_proposed'])}"
            )
            self.stdout.write("  " + ", ".join(f"{k}={v}" for k, v in proposal["weights"].items()))
        else:
            self.stdout.write("No weights proposed (too few dates or no churn in the training period).")
