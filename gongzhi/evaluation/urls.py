from django.urls import path

from . import views

app_name = "evaluation"
urlpatterns = [
    path("", views.leader, name="leader"),
    path("live/", views.leader_live, name="leader_live"),
    path("department/", views.my_department, name="my_department"),
    path("department/<int:pk>/", views.department, name="department"),
    path("rankings/", views.rankings, name="rankings"),
    path("unit/<str:kind>/<int:pk>/", views.unit, name="unit"),
    path("appeals/", views.drill, name="drill"),
    path("report/<str:kind>/<int:pk>/", views.report, name="report"),
    path("report/<str:kind>/<int:pk>/docx/", views.report_docx, name="report_docx"),
    path("follow-up/", views.follow_up, name="follow_up"),
    path("follow-up/<int:pk>/phone/", views.follow_up_phone, name="follow_up_phone"),
    path("exclusions/", views.exclusions, name="exclusions"),
    path("public/", views.public_stats, name="public"),
    path("opendata/", views.opendata_page, name="opendata"),
    path("opendata/<str:name>", views.opendata_file, name="opendata_file"),
]
