from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("gongzhi.core.urls")),
    path("staff/", include("gongzhi.staff.urls")),
    path("", include("gongzhi.api.urls")),
    path("", include("gongzhi.portal.urls")),
]
for optional in ("triage", "safety", "evaluation", "disputes", "grid", "participation", "emergency"):
    try:
        urlpatterns.append(path(f"{optional}/", include(f"gongzhi.{optional}.urls")))
    except ModuleNotFoundError:
        pass  # the app has no pages yet
# No /media/ route, not even with DEBUG: uploaded files are served only by views that check scope
# (staff:attachment, portal:reply_photo).
