from django.urls import path

from . import views

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
]
