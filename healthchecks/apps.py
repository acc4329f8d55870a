from django.apps import AppConfig


class HealthchecksConfig(AppConfig):
    name = "healthchecks"

    def ready(self) -> None:
        # Registration, not a side effect: /s/<token>/ of a health-check link shows its first step.
        from retention import sharing
        from retention.models import SharedLink

        from . import public_views

        sharing.register_entry(SharedLink.Purpose.HEALTHCHECK, public_views.start)
