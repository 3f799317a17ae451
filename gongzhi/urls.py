from django.conf import settings
from django.conf.urls.static import static
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
for optional in ("triage", "safety", "evaluation"):
    try:
        urlpatterns.append(path(f"{optional}/", include(f"gongzhi.{optional}.urls")))
    except ModuleNotFoundError:
        pass  # the app has no pages yet
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
