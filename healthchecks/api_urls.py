"""API routes of the healthchecks app (mounted under /api/v1/)."""

urlpatterns: list = []
