"""Organization-scoped pages of the dashboards app (mounted under /o/<org_slug>/dashboards/)."""

app_name = "dashboards"

urlpatterns: list = []
