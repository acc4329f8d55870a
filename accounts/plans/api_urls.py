"""API routes for success plans (mounted under /api/v1/)."""

urlpatterns: list = []
