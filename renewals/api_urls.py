"""API routes of the renewals app (mounted under /api/v1/): published business cases (read only)."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("renewal-cases", api.CaseSnapshotViewSet, basename="renewal-case")

urlpatterns = router.urls
