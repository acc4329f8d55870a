"""``simulate``: fill an organization with a simulated, causally behaving customer base."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from accounts.simulation import SimulationError, simulate
from accounts.simulation.profiles import PROFILES


class Command(BaseCommand):
    help = "Simulate a customer base (accounts, contracts, usage, tickets, surveys, touchpoints, notes) for an organization."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="Organization slug (created if missing).")
        parser.add_argument("--accounts", type=int, required=True)
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--end-date", type=dt.date.fromisoformat, default=None, help="Day after the last simulated day (YYYY-MM-DD); default today.")
        parser.add_argument("--profile", choices=sorted(PROFILES), default="standard")
        parser.add_argument("--name", default=None, help="Organization name when it is created.")
        parser.add_argument("--replace", action="store_true", help="Delete the organization's existing accounts first.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        try:
            summary = simulate(
                organization_slug=options["org"],
                accounts=options["accounts"],
                days=options["days"],
                seed=options["seed"],
                end_date=options["end_date"],
                profile=options["profile"],
                progress=not options["no_progress"],
                organization_name=options["name"],
                replace=options["replace"],
            )
        except SimulationError as exc:
            raise CommandError(str(exc))
        self.stdout.write(
            self.style.SUCCESS(
                f"{summary.organization_slug}: {summary.accounts:,} accounts, {summary.events:,} events, {summary.contract_lines:,} contract lines, "
                f"{summary.tickets:,} tickets, {summary.survey_answers:,} survey answers, {summary.touchpoints:,} touchpoints, {summary.notes:,} notes, {summary.success_plans:,} success plans "
                f"({summary.churned} churned, {summary.contracted} contracted, {summary.expanded} expanded) "
                f"in {summary.seconds:.1f} s ({summary.events_per_second:,.0f} events/s)."
            )
        )
        self.stdout.write(f"Latent truth: {summary.latent_path}")
