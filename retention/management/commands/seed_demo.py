"""``seed_demo``: the demo's organizations and logins (idempotent). ``make demo`` runs it."""

from django.core.management.base import BaseCommand
from django.db import transaction

from retention import rls, services
from retention.models import Membership, Organization, Role, User

DEMO_PASSWORD = "retention-demo"
DEMO_USERS = [
    ("owner@demo.test", "Olivia Owner", Role.OWNER),
    ("csm@demo.test", "Chris Csm", Role.CSM),
    ("viewer@demo.test", "Vera Viewer", Role.VIEWER),
]
DEMO_ORGS = [("Northwind Software", "northwind"), ("Bluebird Apps", "bluebird")]


class Command(BaseCommand):
    help = "Create the demo organizations and users (safe to run again) and print the login."

    def handle(self, *args, **options):
        with rls.bypass(), transaction.atomic():
            users = {}
            for email, name, _role in DEMO_USERS:
                user = User.objects.filter(email=email).first() or User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=name)
                users[email] = user
            for name, slug in DEMO_ORGS:
                organization = Organization.objects.filter(slug=slug).first()
                if organization is None:
                    organization = services.organization_create(name=name, slug=slug, owner=users["owner@demo.test"])
                for email, _name, role in DEMO_USERS:
                    Membership.objects.get_or_create(organization=organization, user=users[email], defaults={"role": role})
        self.stdout.write(self.style.SUCCESS("\nDemo ready on http://127.0.0.1:8000/"))
        for email, _name, role in DEMO_USERS:
            self.stdout.write(f"  log in as {email:<18} password: {DEMO_PASSWORD}   ({Role(role).label})")
        self.stdout.write("")
