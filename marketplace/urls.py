from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("staff/levels/", include("levels.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("accounts/", include("accounts.urls")),
    path("orders/", include("orders.urls")),
    path("inquiries/", include("conversations.urls")),
    path("", include("sellers.urls")),
    path("", include("services.urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
