"""``export_ground_truth``: which accounts churned, contracted or expanded, when, and why."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.simulation.ground_truth import as_csv, as_json, ground_truth
from retention.models import Organization


class Command(BaseCommand):
    help = "Export an organization's churn, contraction and expansion dates (from contract lines) with the simulator's latent causes."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="Organization slug.")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")
        parser.add_argument("--out", default="-", help="File to write (default: standard output).")

    def handle(self, *args, **options):
        organization = Organization.objects.filter(slug=options["org"]).first()
        if organization is None:
            raise CommandError(f"No organization with slug '{options['org']}'.")
        movements = ground_truth(organization=organization)
        text = as_csv(movements) if options["format"] == "csv" else as_json(movements, organization=organization)
        if options["out"] == "-":
            self.stdout.write(text, ending="")
        else:
            Path(options["out"]).write_text(text)
            counts = {kind: sum(m.kind == kind for m in movements) for kind in ("churn", "contraction", "expansion")}
            self.stderr.write(
                f"Wrote {len(movements)} movements ({counts['churn']} churn, {counts['contraction']} contraction, {counts['expansion']} expansion) to {options['out']}."
            )
