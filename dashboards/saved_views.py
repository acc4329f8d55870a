"""Saved portfolio views: a user's named filter/sort combination of the portfolio page.

Stored as the page's query string (only the portfolio's own parameters, see
``dashboards.portfolio.clean_view_query``), so a saved view is just a link the user can rename
or delete. Imported by ``dashboards/models.py`` so Django registers the model.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from retention.models import TenantModel


class SavedView(TenantModel):
    """One named portfolio view of one user in one organization."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=500, blank=True, help_text="The portfolio's query string, without page and format.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "dashboards"
        constraints = [models.UniqueConstraint(fields=["organization", "user", "name"], name="savedview_unique_name_per_user")]
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name
