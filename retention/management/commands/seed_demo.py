"""``seed_demo``: the demo's organizations, logins and simulated customer bases (idempotent).

``make demo`` runs it on the embedded default (SQLite): a small organization (Northwind, ~25
accounts) and a larger one (Bluebird, ~300 accounts) with a year of history each, then whatever
the product computes nightly (scores, and some score history), then prints the logins.
Running it again adds nothing: an organization whose simulation completed is left alone.
"""

import datetime as dt
import time

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.experiences.defaults import experience_defaults_install
from accounts.models import Account
from accounts.simulation import latent_path, simulate
from retention import rls, services
from retention.models import Membership, Organization, Role, User

DEMO_PASSWORD = "retention-demo"
DEMO_USERS = [
    ("owner@demo.test", "Olivia Owner", Role.OWNER),
    ("csm@demo.test", "Chris Csm", Role.CSM),
    ("viewer@demo.test", "Vera Viewer", Role.VIEWER),
]
# name, slug, option holding its account count, seed
DEMO_ORGS = [("Northwind Software", "northwind", "small_accounts", 101), ("Bluebird Apps", "bluebird", "large_accounts", 202)]


class Command(BaseCommand):
    help = "Create the demo organizations, users and simulated customers (safe to run again), score them, and print the logins."

    def add_arguments(self, parser):
        parser.add_argument("--small-accounts", type=int, default=25)
        parser.add_argument("--large-accounts", type=int, default=300)
        parser.add_argument("--days", type=int, default=365, help="Days of history.")
        parser.add_argument("--backfill-days", type=int, default=56, help="Days of score history to compute (0: none).")
        parser.add_argument("--skip-nightly", action="store_true", help="Do not run the nightly scoring.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        started = time.perf_counter()
        with rls.bypass(), transaction.atomic():
            users = {}
            for email, name, _role in DEMO_USERS:
                user = User.objects.filter(email=email).first() or User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=name)
                users[email] = user
            organizations = []
            for name, slug, size_option, seed in DEMO_ORGS:
                organization = Organization.objects.filter(slug=slug).first()
                if organization is None:
                    organization = services.organization_create(name=name, slug=slug, owner=users["owner@demo.test"])
                for email, _name, role in DEMO_USERS:
                    Membership.objects.get_or_create(organization=organization, user=users[email], defaults={"role": role})
                organizations.append((organization, options[size_option], seed))
                # Learning items and capability mappings in the demo product's event names.
                experience_defaults_install(organization=organization)

        simulated = False
        for organization, accounts, seed in organizations:
            with rls.bypass():
                has_accounts = Account.objects.filter(organization=organization).exists()
            if has_accounts and latent_path(organization.slug).exists():
                self.stdout.write(f"{organization.name}: already seeded.")
                continue
            # No accounts yet, or an interrupted run (accounts but no completed simulation): start over.
            summary = simulate(
                organization_slug=organization.slug,
                accounts=accounts,
                days=options["days"],
                seed=seed,
                profile="demo",
                progress=not options["no_progress"],
                owner=users["owner@demo.test"],
                extra_csms=[users["csm@demo.test"]],
                replace=has_accounts,
            )
            simulated = True
            self.stdout.write(
                f"{organization.name}: {summary.accounts:,} accounts, {summary.events:,} events, {summary.churned} churned, in {summary.seconds:.1f} s."
            )

        if simulated and not options["skip_nightly"]:
            nightly_started = time.perf_counter()
            self._nightly(organizations=[o for o, _a, _s in organizations], backfill_days=options["backfill_days"], progress=not options["no_progress"])

            self.stdout.write(f"Nightly scoring and {options['backfill_days']} days of score history in {time.perf_counter() - nightly_started:.1f} s.")
        self.stdout.write(self.style.SUCCESS(f"\nDemo ready on http://127.0.0.1:8000/ (seeded in {time.perf_counter() - started:.0f} s)"))
        for email, _name, role in DEMO_USERS:
            self.stdout.write(f"  log in as {email:<18} password: {DEMO_PASSWORD}   ({Role(role).label})")
        self.stdout.write("")

    def _nightly(self, *, organizations, backfill_days: int, progress: bool) -> None:
        """Whatever the product computes each night, if this build has it: a score history, then today."""
        commands = get_commands()
        today = timezone.now().date()
        for organization in organizations:
            if backfill_days and "backfill_scores" in commands:
                start = today - dt.timedelta(days=backfill_days)
                call_command(
                    "backfill_scores", start=start, end=today - dt.timedelta(days=1), org=organization.slug, no_progress=not progress, stdout=self.stdout
                )
            if "run_nightly" in commands:
                call_command("run_nightly", org=organization.slug, stdout=self.stdout)
