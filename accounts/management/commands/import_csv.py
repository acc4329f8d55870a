"""``manage.py import_csv --org SLUG --kind accounts|contacts|contracts|events FILE``: load customer
data from a CSV file, reporting bad lines (and writing nothing) unless ``--skip-bad-lines``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accounts.csv_import import KINDS, CsvImportError, import_csv, open_csv
from retention.models import Organization

MAX_ERRORS_SHOWN = 100


class Command(BaseCommand):
    help = (
        "Import accounts, contacts, contract lines or usage events from a CSV file whose header names the API's fields. "
        "Rows are upserted by external_id. Any bad line aborts the import with nothing written, unless --skip-bad-lines."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="Path of the CSV file (UTF-8, header on the first line).")
        parser.add_argument("--org", required=True, help="Slug of the organization to import into.")
        parser.add_argument("--kind", required=True, choices=sorted(KINDS), help="What the rows are.")
        parser.add_argument("--skip-bad-lines", action="store_true", help="Import the good lines and leave out the bad ones.")

    def handle(self, *args, file: str, org: str, kind: str, skip_bad_lines: bool, **options) -> None:
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization with slug '{org}'.")
        try:
            csv_file = open_csv(path=file, kind=kind)
        except CsvImportError as exc:
            raise CommandError(str(exc))
        if csv_file.ignored_columns:
            self.stderr.write(f"Ignoring unknown column(s): {', '.join(csv_file.ignored_columns)}.")

        with tqdm(total=csv_file.row_count, unit="row", desc=f"Importing {kind}", file=self.stderr._out, disable=options["verbosity"] == 0) as bar:
            result = import_csv(organization=organization, csv_file=csv_file, skip_bad_lines=skip_bad_lines, progress=bar.update)

        for error in result.errors[:MAX_ERRORS_SHOWN]:
            self.stderr.write(str(error))
        if len(result.errors) > MAX_ERRORS_SHOWN:
            self.stderr.write(f"… and {len(result.errors) - MAX_ERRORS_SHOWN} more errors.")
        if not result.committed:
            raise CommandError(
                f"{result.bad_lines} of {result.rows} lines have errors; nothing was imported. Fix them, or rerun with --skip-bad-lines to import the others."
            )
        summary = f"{organization.name}: {result.rows} {kind} lines read; {result.created} created, {result.updated} updated, {result.skipped} skipped"
        details = []
        if result.bad_lines:
            details.append(f"{result.bad_lines} bad")
        if result.duplicates:
            details.append(f"{result.duplicates} already stored")
        self.stdout.write(self.style.SUCCESS(summary + (f" ({', '.join(details)})." if details else ".")))
