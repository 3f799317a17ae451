from django.urls import path

from . import contact_views, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("submit/", views.submit, name="submit"),
    path("submit/done/", views.submitted, name="submitted"),
    path("track/", views.track, name="track"),
    path("track/recover/", contact_views.recover, name="recover"),
    path("track/open/<str:token>/", contact_views.rating_link, name="rating_link"),
    path("notifications/unsubscribe/<str:token>/", contact_views.unsubscribe, name="unsubscribe"),
    path("track/<str:tracking_number>/", views.track_detail, name="track_detail"),
    path("track/<str:tracking_number>/rate/", views.rate, name="rate"),
    path("track/<str:tracking_number>/photos/<int:attachment_id>/", views.reply_photo, name="reply_photo"),
    path("grids.json", views.grids_json, name="grids"),
    path("my/", views.my_appeals, name="my_appeals"),
]
