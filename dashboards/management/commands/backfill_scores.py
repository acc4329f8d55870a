"""``python manage.py backfill_scores --from D1 --to D2 [--org SLUG]``: replay the nightly pipeline
day by day (in order, so risk indicators open and close on the right days)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from dashboards import pipeline
from retention.models import Organization

from .run_nightly import organization_ids, parse_day


class Command(BaseCommand):
    help = "Recompute scores, zones and risks for every day of a range (inclusive), with a progress bar."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", type=parse_day, required=True, help="First day (YYYY-MM-DD).")
        parser.add_argument("--to", dest="end", type=parse_day, required=True, help="Last day (YYYY-MM-DD).")
        parser.add_argument("--org", help="Only this organization (slug).")
        parser.add_argument("--no-progress", action="store_true", help="Do not draw the progress bar.")

    def handle(self, *args, start, end, org=None, no_progress=False, **options):
        if end < start:
            raise CommandError("--to must not be before --from.")
        ids = organization_ids(org) or list(Organization.objects.order_by("id").values_list("id", flat=True))
        days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
        with tqdm(total=len(days) * len(ids), unit="org-day", disable=no_progress, file=self.stderr) as bar:
            for day in days:
                for organization_id in ids:
                    pipeline.run_organization_day(organization_id=organization_id, day=day)
                    bar.update(1)
        self.stdout.write(f"Backfilled {len(days)} day(s) for {len(ids)} organization(s).")
