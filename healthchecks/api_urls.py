"""API routes of the healthchecks app (mounted under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("healthcheck-results", api.HealthcheckResultViewSet, basename="healthcheck-result")
router.register("healthcheck-responses", api.HealthcheckResponseViewSet, basename="healthcheck-response")

urlpatterns = router.urls
