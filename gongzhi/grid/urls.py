from django.urls import path

from . import community_views, field_views, views

app_name = "grid"
urlpatterns = [
    path("m/", field_views.home, name="field_home"),
    path("m/report/", field_views.report, name="field_report"),
    path("m/visit/", field_views.visit, name="field_visit"),
    path("m/checkin/", field_views.checkin, name="field_checkin"),
    path("m/sync/", field_views.sync, name="field_sync"),
    path("m/sw.js", field_views.service_worker, name="service_worker"),
    path("m/manifest.webmanifest", field_views.manifest, name="manifest"),
    path("", views.community_list, name="community_list"),
    path("communities/<int:pk>/", views.community_detail, name="community_detail"),
    path("residents/", views.resident_list, name="resident_list"),
    path("residents/<int:pk>/", views.resident_detail, name="resident_detail"),
    path("residents/<int:pk>/reveal/<slug:field>/", views.reveal_resident, name="reveal_resident"),
    path("residents/<int:pk>/edit/", views.resident_edit, name="resident_edit"),
    path("residents/<int:pk>/move-out/", views.resident_move_out, name="resident_move_out"),
    path("residents/households/new/", views.household_new, name="household_new"),
    path("residents/households/<int:household>/edit/", views.household_edit, name="household_edit"),
    path("residents/households/<int:household>/residents/new/", views.resident_new, name="resident_new"),
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/new/", views.task_new, name="task_new"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/<slug:action>/", views.task_action, name="task_action"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("workers/", community_views.worker_assignments, name="worker_assignments"),
    path("workers/<int:grid>/<slug:action>/", community_views.worker_action, name="worker_action"),
    path("organisations/", community_views.organisation_list, name="organisation_list"),
    path("organisations/new/", community_views.organisation_new, name="organisation_new"),
    path("organisations/<int:pk>/", community_views.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/edit/", community_views.organisation_edit, name="organisation_edit"),
    path("organisations/<int:pk>/activities/", community_views.activity_new, name="activity_new"),
    path("activities/<int:pk>/", community_views.activity_detail, name="activity_detail"),
    path("volunteers/", community_views.volunteer_list, name="volunteer_list"),
    path("reveal/<slug:kind>/<int:pk>/<slug:field>/", community_views.reveal_contact, name="reveal_contact"),
]
