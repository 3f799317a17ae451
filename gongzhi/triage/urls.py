from django.urls import path

from . import views

app_name = "triage"
urlpatterns = [
    path("hot/", views.hot_board, name="hot_board"),
    path("hot/<int:pk>/", views.hot_issue_detail, name="hot_issue"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert"),
    path("alerts/<int:pk>/act/", views.alert_action, name="alert_action"),
    path("model/", views.model_report, name="model"),
]
