"""``create_api_key --org SLUG --scopes read,write [--name NAME]``: prints a new key once."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from retention import services
from retention.models import Organization


class Command(BaseCommand):
    help = "Create an API key for an organization and print it (it is shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="Organization slug")
        parser.add_argument("--scopes", default="read", help="Comma-separated: read, write")
        parser.add_argument("--name", default="Command-line key", help="What the key is for")

    def handle(self, *args, org, scopes, name, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization with slug '{org}'.")
        try:
            issued = services.api_key_create(organization=organization, name=name, scopes=scopes.split(","))
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stderr.write(
            f"Created key '{issued.api_key.name}' for {organization.name} with scopes {', '.join(issued.api_key.scopes)}. Store it now; it is not shown again."
        )
        self.stdout.write(issued.raw)
