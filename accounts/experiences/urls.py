"""Organization-scoped pages of the experiences (mounted under /o/<org_slug>/experiences/)."""

from django.urls import path

from retention import sharing

from . import links, public_views, views

# Registration, not a side effect: /s/<token>/ of an experience link shows its customer page.
# Done here because this package is not an app with its own ready(); the URLconf is loaded
# before any request is dispatched.
sharing.register_entry(links.ROADMAP, public_views.roadmap)
sharing.register_entry(links.ENABLEMENT, public_views.enablement)
sharing.register_entry(links.ADVOCACY, public_views.advocacy)

app_name = "experiences"

urlpatterns = [
    path("roadmap/<int:account_id>/", views.roadmap, name="roadmap"),
    path("roadmap/<int:account_id>/generate/", views.roadmap_generate, name="roadmap_generate"),
    path("roadmap/<int:account_id>/items/", views.roadmap_item_add, name="roadmap_item_add"),
    path("roadmap/<int:account_id>/add-to-plan/", views.roadmap_add_to_plan, name="roadmap_add_to_plan"),
    path("roadmap/items/<int:roadmap_item_id>/", views.roadmap_item_edit, name="roadmap_item_edit"),
    path("roadmap/items/<int:roadmap_item_id>/delete/", views.roadmap_item_delete, name="roadmap_item_delete"),
    path("share/<int:account_id>/", views.share, name="share"),
    path("expansion/", views.expansion_portfolio, name="expansion_portfolio"),
    path("expansion/<int:account_id>/", views.expansion, name="expansion"),
    path("expansion/<int:account_id>/to-plan/", views.expansion_to_plan, name="expansion_to_plan"),
    path("enablement/<int:account_id>/", views.enablement, name="enablement"),
    path("enablement/<int:account_id>/progress/", views.enablement_progress, name="enablement_progress"),
    path("advocacy/<int:account_id>/", views.advocacy_page, name="advocacy"),
    path("advocacy/<int:account_id>/drafts/", views.advocacy_draft_save, name="advocacy_draft_save"),
    path("advocacy/<int:account_id>/status/", views.advocacy_status, name="advocacy_status"),
    path("next-steps/<int:account_id>/", views.next_steps_partial, name="next_steps"),
    path("settings/learning/", views.learning_items, name="learning_items"),
    path("settings/capabilities/", views.capabilities, name="capabilities"),
    path("settings/capabilities/<int:mapping_id>/delete/", views.capability_delete, name="capability_delete"),
]
