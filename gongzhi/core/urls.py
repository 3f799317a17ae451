from django.urls import path

from . import confirm_views, password_reset, twofactor, views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("two-factor/", twofactor.two_factor, name="two_factor"),
    path("welcome/", views.after_login, name="after_login"),
    path("password/reset/", password_reset.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", password_reset.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", password_reset.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("confirm/reply/", confirm_views.reply, name="confirm_reply"),
    path("confirm/mail/", confirm_views.mail_reply, name="confirm_mail"),
    path("confirm/<str:token>/", confirm_views.confirm_link, name="confirm_link"),
    path("password/reset/done/", password_reset.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
