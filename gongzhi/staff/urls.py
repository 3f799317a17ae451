from django.urls import path

from . import desk_views, incident_views, knowledge_views, views
from . import notify_settings
from . import bulk, printing, publication_views

app_name = "staff"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("board/", views.board, name="board"),
    path("appeals/", views.appeal_list, name="appeal_list"),
    path("appeals/export.xlsx", views.appeal_export, name="appeal_export"),
    path("appeals/print/", printing.queue_print, name="queue_print"),
    path("appeals/bulk/", bulk.bulk_action, name="bulk_action"),
    path("appeals/<int:pk>/", views.appeal_detail, name="appeal_detail"),
    path("appeals/<int:pk>/reveal/<slug:field>/", views.reveal, name="reveal"),
    path("appeals/<int:pk>/reply-check/", views.reply_check, name="reply_check"),
    path("appeals/<int:pk>/print/", printing.work_order, name="work_order"),
    path("appeals/<int:pk>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("appeals/<int:pk>/to-incident/", incident_views.appeal_to_incident, name="appeal_to_incident"),
    path("appeals/<int:pk>/<slug:action>/", views.appeal_action, name="appeal_action"),
    path("publication/", publication_views.publication_queue, name="publication_queue"),
    path("desk/", views.desk, name="desk"),
    path("desk/history/", views.desk_history, name="desk_history"),
    path("desk/places/", desk_views.desk_places, name="desk_places"),
    path("desk/live/", desk_views.desk_live, name="desk_live"),
    path("desk/answer/", desk_views.desk_answer, name="desk_answer"),
    path("knowledge/", knowledge_views.knowledge_list, name="knowledge_list"),
    path("knowledge/new/", knowledge_views.knowledge_edit, name="knowledge_new"),
    path("knowledge/<int:pk>/", knowledge_views.knowledge_edit, name="knowledge_edit"),
    path("knowledge/<int:pk>/toggle/", knowledge_views.knowledge_toggle, name="knowledge_toggle"),
    path("grid/", views.grid_report, name="grid_report"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/settings/", notify_settings.notification_settings, name="notification_settings"),
]
