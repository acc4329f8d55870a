"""API routes of the dashboards app (mounted under /api/v1/): scores, zones, risks, save plans (read only)."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("scores", api.AccountScoreViewSet, basename="score")
router.register("zones", api.AccountZonesViewSet, basename="zones")
router.register("risks", api.RiskIndicatorViewSet, basename="risk")
router.register("save-plans", api.SavePlanViewSet, basename="save-plan")

urlpatterns = router.urls
