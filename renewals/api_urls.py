"""API routes of the renewals app (mounted under /api/v1/)."""

urlpatterns: list = []
