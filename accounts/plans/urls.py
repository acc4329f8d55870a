"""Organization-scoped pages for success plans and value drivers (mounted under /o/<org_slug>/plans/)."""

from django.urls import path

from . import views, views_catalog
from .templating import register_template_dir

register_template_dir()

app_name = "plans"

urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("<int:account_id>/", views.plan_page, name="plan_page"),
    path("<int:account_id>/start/", views.plan_create, name="plan_create"),
    path("<int:account_id>/edit/", views.plan_edit, name="plan_edit"),
    path("<int:account_id>/goals/", views.goal_add, name="goal_add"),
    path("<int:account_id>/kpis/", views.kpi_add, name="kpi_add"),
    path("<int:account_id>/measurements/", views.measurement_add, name="measurement_add"),
    path("<int:account_id>/milestones/", views.milestone_add, name="milestone_add"),
    path("<int:account_id>/stakeholders/", views.stakeholder_add, name="stakeholder_add"),
    path("<int:account_id>/signals/", views.signal_add, name="signal_add"),
    path("goals/<int:goal_id>/delete/", views.goal_delete, name="goal_delete"),
    path("kpis/<int:kpi_id>/edit/", views.kpi_edit, name="kpi_edit"),
    path("kpis/<int:kpi_id>/delete/", views.kpi_delete, name="kpi_delete"),
    path("kpis/<int:kpi_id>/history/", views.kpi_history, name="kpi_history"),
    path("milestones/<int:milestone_id>/status/", views.milestone_status, name="milestone_status"),
    path("milestones/<int:milestone_id>/delete/", views.milestone_delete, name="milestone_delete"),
    path("stakeholders/<int:stakeholder_id>/remove/", views.stakeholder_remove, name="stakeholder_remove"),
    path("signals/<int:signal_id>/status/", views.signal_status, name="signal_status"),
    path("templates/", views_catalog.template_list, name="template_list"),
    path("templates/<int:template_id>/", views_catalog.template_detail, name="template_detail"),
    path("templates/<int:template_id>/delete/", views_catalog.template_delete, name="template_delete"),
    path("templates/<int:template_id>/goals/", views_catalog.template_goal_add, name="template_goal_add"),
    path("templates/<int:template_id>/kpis/", views_catalog.template_kpi_add, name="template_kpi_add"),
    path("templates/<int:template_id>/milestones/", views_catalog.template_milestone_add, name="template_milestone_add"),
    path("templates/goals/<int:template_goal_id>/delete/", views_catalog.template_goal_delete, name="template_goal_delete"),
    path("templates/kpis/<int:template_kpi_id>/delete/", views_catalog.template_kpi_delete, name="template_kpi_delete"),
    path("templates/milestones/<int:template_milestone_id>/delete/", views_catalog.template_milestone_delete, name="template_milestone_delete"),
    path("value-drivers/", views_catalog.value_driver_list, name="value_driver_list"),
    path("value-drivers/<int:driver_id>/", views_catalog.value_driver_edit, name="value_driver_edit"),
    path("value-drivers/<int:driver_id>/delete/", views_catalog.value_driver_delete, name="value_driver_delete"),
    path("tasks/", views_catalog.task_list, name="task_list"),
    path("tasks/<int:task_id>/status/", views_catalog.task_status, name="task_status"),
]
