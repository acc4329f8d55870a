"""Routes of the customer-records API (mounted under /api/v1/ by ``accounts.api_urls``)."""

from rest_framework.routers import SimpleRouter

from . import api_records

router = SimpleRouter()
router.register("accounts", api_records.AccountViewSet, basename="account")
router.register("contacts", api_records.ContactViewSet, basename="contact")
router.register("contracts", api_records.ContractLineViewSet, basename="contract")
router.register("tickets", api_records.TicketViewSet, basename="ticket")
router.register("survey-answers", api_records.SurveyAnswerViewSet, basename="survey-answer")
router.register("touchpoints", api_records.TouchpointViewSet, basename="touchpoint")

urlpatterns = router.urls
