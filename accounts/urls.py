"""Organization-scoped pages of the accounts app (mounted under /o/<org_slug>/accounts/)."""

app_name = "accounts"

urlpatterns: list = []
