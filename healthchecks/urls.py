"""Organization-scoped pages of the healthchecks app (mounted under /o/<org_slug>/healthchecks/)."""

app_name = "healthchecks"

urlpatterns: list = []
