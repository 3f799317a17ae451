from django.urls import path

from . import care_views, petition_views, reception_views, screening_views, views

app_name = "disputes"
urlpatterns = [
    path("", views.dispute_list, name="dispute_list"),
    path("new/", views.dispute_new, name="dispute_new"),
    path("map/", views.dispute_map, name="map"),
    path("from-appeal/<int:appeal_id>/", views.from_appeal, name="from_appeal"),
    path("<int:pk>/", views.dispute_detail, name="dispute_detail"),
    path("<int:pk>/agreement.docx", views.agreement_docx, name="agreement_docx"),
    path("<int:pk>/parties/<int:party_id>/reveal/<slug:field>/", views.reveal_party, name="reveal_party"),
    path("<int:pk>/<slug:action>/", views.dispute_action, name="dispute_action"),
    path("reception/", reception_views.reception_list, name="reception_list"),
    path("reception/<slug:action>/", reception_views.reception_action, name="reception_action"),
    path("care/<int:pk>/", care_views.referral, name="care_referral"),
    path("<int:pk>/care/", care_views.open_for_dispute, name="dispute_care"),
    path("petitions/<int:pk>/care/", care_views.open_for_petition, name="petition_care"),
    path("from-appeal/<int:pk>/care/", care_views.open_for_appeal, name="appeal_care"),
    path("screening/", screening_views.campaign_list, name="campaign_list"),
    path("screening/new/", screening_views.campaign_new, name="campaign_new"),
    path("screening/<int:pk>/", screening_views.campaign_detail, name="campaign_detail"),
    path("screening/tasks/<int:pk>/", screening_views.task_detail, name="task_detail"),
    path("screening/tasks/<int:pk>/report/", screening_views.task_report, name="task_report"),
    path("petitions/", petition_views.petition_list, name="petition_list"),
    path("petitions/new/", petition_views.petition_new, name="petition_new"),
    path("petitions/<int:pk>/", petition_views.petition_detail, name="petition_detail"),
    path("petitions/<int:pk>/reveal/<slug:field>/", petition_views.reveal_petitioner, name="reveal_petitioner"),
    path("petitions/<int:pk>/<slug:action>/", petition_views.petition_action, name="petition_action"),
]
