from django.urls import path

from . import office_views, views

app_name = "emergency"
urlpatterns = [
    path("", views.incident_list, name="incident_list"),
    path("incidents/new/", views.incident_new, name="incident_new"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident_detail"),
    path("incidents/<int:pk>/board/", views.incident_board, name="incident_board"),
    path("incidents/<int:pk>/review.docx", views.review_docx, name="review_docx"),
    path("incidents/<int:pk>/<slug:action>/", views.incident_action, name="incident_action"),
    path("tasks/<int:pk>/", views.task_update, name="task_update"),
    path("coverage/", views.coverage_view, name="coverage"),
    path("plans/new/", views.plan_form, name="plan_new"),
    path("plans/<int:pk>/", views.plan_form, name="plan_edit"),
    path("plans/<int:pk>/document/", views.plan_document, name="plan_document"),
    path("plans/<int:pk>/drills/", views.drill_new, name="drill_new"),
    path("resources/", views.resources, name="resources"),
    path("devices/", views.devices, name="devices"),
    path("devices/new/", office_views.device_form, name="device_new"),
    path("devices/<int:pk>/", office_views.device_form, name="device_edit"),
    path("units/", office_views.units, name="units"),
    path("units/<int:pk>/", office_views.unit_edit, name="unit_edit"),
    path("plans/<int:pk>/tasks/", office_views.plan_tasks, name="plan_tasks"),
    path("plans/<int:pk>/tasks/<int:template_id>/delete/", office_views.plan_task_delete, name="plan_task_delete"),
    path("teams/", office_views.teams, name="teams"),
    path("teams/<int:pk>/", office_views.team, name="team"),
    path("warehouses/", office_views.warehouses, name="warehouses"),
    path("warehouses/<int:pk>/", office_views.warehouse, name="warehouse"),
    path("supplies/requests/", office_views.supply_requests, name="supply_requests"),
]
