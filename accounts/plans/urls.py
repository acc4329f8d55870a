"""Organization-scoped pages for success plans and value drivers (mounted under /o/<org_slug>/plans/)."""

app_name = "plans"

urlpatterns: list = []
