from django.apps import AppConfig


class RenewalsConfig(AppConfig):
    name = "renewals"

    def ready(self) -> None:
        # Registration, not a side effect: /s/<token>/ of a champion's link shows their page.
        from retention import sharing
        from retention.models import SharedLink

        from . import public_views

        sharing.register_entry(SharedLink.Purpose.VALUE_DASHBOARD, public_views.value_dashboard)
        sharing.register_entry(SharedLink.Purpose.RENEWAL_CASE, public_views.renewal_case)
