from django.urls import path

from . import staff_views, views

app_name = "participation"
urlpatterns = [
    path("", views.proposal_list, name="proposal_list"),
    path("proposals/new/", views.proposal_new, name="proposal_new"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/support/", views.proposal_support, name="proposal_support"),
    path("proposals/<int:pk>/photos/<int:photo_id>/", views.proposal_photo, name="proposal_photo"),
    path("verify/", views.verify, name="verify"),
    path("moderation/<int:pk>/appeal/", views.moderation_appeal, name="moderation_appeal"),
    path("consultations/", views.consultation_list, name="consultation_list"),
    path("consultations/<int:pk>/", views.consultation_detail, name="consultation_detail"),
    path("consultations/<int:pk>/sections/<int:section_id>/comment/", views.consultation_comment,
         name="consultation_comment"),
    path("surveys/", views.survey_list, name="survey_list"),
    path("surveys/<int:pk>/", views.survey_detail, name="survey_detail"),
    path("surveys/<int:pk>/results/", views.survey_results, name="survey_results"),
    path("staff/proposals/", staff_views.proposal_queue, name="staff_proposals"),
    path("staff/proposals/<int:pk>/", staff_views.proposal_page, name="staff_proposal"),
    path("staff/proposals/<int:pk>/reveal/", staff_views.proposal_reveal, name="staff_proposal_reveal"),
    path("staff/proposals/<int:pk>/photos/<int:photo_id>/", staff_views.proposal_photo, name="staff_proposal_photo"),
    path("staff/proposals/<int:pk>/<slug:action>/", staff_views.proposal_action, name="staff_proposal_action"),
    path("staff/moderation/", staff_views.moderation_queue, name="moderation"),
    path("staff/moderation/<int:pk>/", staff_views.moderation_case, name="moderation_case"),
    path("staff/moderation/<int:pk>/<slug:action>/", staff_views.moderation_action, name="moderation_action"),
    path("staff/consultations/", staff_views.consultation_admin_list, name="staff_consultations"),
    path("staff/consultations/new/", staff_views.consultation_new, name="staff_consultation_new"),
    path("staff/consultations/<int:pk>/", staff_views.consultation_admin, name="staff_consultation"),
    path("staff/consultations/<int:pk>/edit/", staff_views.consultation_edit, name="staff_consultation_edit"),
    path("staff/consultations/<int:pk>/<slug:action>/", staff_views.consultation_action,
         name="staff_consultation_action"),
    path("staff/surveys/new/", staff_views.survey_new, name="staff_survey_new"),
    path("staff/surveys/<int:pk>/edit/", staff_views.survey_edit, name="staff_survey_edit"),
    path("staff/surveys/<int:pk>/export.xlsx", staff_views.survey_export, name="survey_export"),
    path("staff/surveys/<int:pk>/<slug:action>/", staff_views.survey_action, name="staff_survey_action"),
]
