"""Organization-scoped pages of the renewals app (mounted under /o/<org_slug>/renewals/)."""

app_name = "renewals"

urlpatterns: list = []
