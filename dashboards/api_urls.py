"""API routes of the dashboards app (mounted under /api/v1/)."""

urlpatterns: list = []
