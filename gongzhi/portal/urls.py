from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("submit/", views.submit, name="submit"),
    path("submit/done/", views.submitted, name="submitted"),
    path("track/", views.track, name="track"),
    path("track/<str:tracking_number>/", views.track_detail, name="track_detail"),
    path("track/<str:tracking_number>/rate/", views.rate, name="rate"),
    path("track/<str:tracking_number>/photos/<int:attachment_id>/", views.reply_photo, name="reply_photo"),
    path("grids.json", views.grids_json, name="grids"),
    path("my/", views.my_appeals, name="my_appeals"),
]
