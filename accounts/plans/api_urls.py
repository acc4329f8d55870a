"""API routes for success plans (mounted under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("success-plans", api.SuccessPlanViewSet, basename="success-plan")
router.register("plan-goals", api.GoalViewSet, basename="plan-goal")
router.register("kpis", api.KpiViewSet, basename="kpi")
router.register("kpi-measurements", api.MeasurementViewSet, basename="kpi-measurement")
router.register("milestones", api.MilestoneViewSet, basename="milestone")

urlpatterns = router.urls
