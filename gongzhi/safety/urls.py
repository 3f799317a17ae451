from django.urls import path

from . import views

app_name = "safety"
urlpatterns = [
    path("", views.home, name="home"),
    path("incidents/", views.incident_list, name="incident_list"),
    path("incidents/new/", views.incident_new, name="incident_new"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident_detail"),
    path("incidents/<int:pk>/edit/", views.incident_edit, name="incident_edit"),
    path("incidents/<int:pk>/status/", views.incident_status, name="incident_status"),
    path("patterns/", views.patterns, name="patterns"),
    path("near-repeat/", views.near_repeat, name="near_repeat"),
    path("forecast/", views.forecast, name="forecast"),
    path("forecast/roster/", views.roster_print, name="roster_print"),
    path("bulletins/", views.bulletin_list, name="bulletin_list"),
    path("bulletins/<str:day>/", views.bulletin_detail, name="bulletin_detail"),
    path("bulletins/<str:day>/docx/", views.bulletin_docx, name="bulletin_docx"),
    path("bulletins/<str:day>/send/", views.bulletin_send, name="bulletin_send"),
    path("informants/", views.informants, name="informants"),
    path("informants/<int:pk>/", views.informant_detail, name="informant_detail"),
    path("informants/<int:pk>/report/", views.informant_report, name="informant_report"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("leads/", views.leads, name="leads"),
    path("submit/", views.submit, name="submit"),
]
