"""API routes of the experiences (mounted under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("experience-recommendations", api.RecommendationViewSet, basename="experience-recommendation")
router.register("expansion-opportunities", api.OpportunityViewSet, basename="expansion-opportunity")
router.register("enablement-progress", api.LearningProgressViewSet, basename="enablement-progress")

urlpatterns = router.urls
