"""``python manage.py run_nightly [--date D] [--org SLUG]``: the nightly pipeline, in-process."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from dashboards import pipeline
from retention.models import Organization


def parse_day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD).")


def organization_ids(slug: str | None) -> list[int] | None:
    if not slug:
        return None
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        raise CommandError(f"No organization with the slug {slug!r}.")
    return [organization.id]


class Command(BaseCommand):
    help = "Compute health scores, zones, risk indicators and save plans for one day (default: yesterday, UTC)."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=parse_day, help="Day to score (YYYY-MM-DD).")
        parser.add_argument("--org", help="Only this organization (slug).")

    def handle(self, *args, date=None, org=None, **options):
        for summary in pipeline.run_nightly(day=date, organization_ids=organization_ids(org)):
            self.stdout.write(f"organization {summary.organization_id}: {summary.accounts} accounts scored for {summary.day} in {summary.seconds:.2f}s")
