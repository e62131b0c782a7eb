from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from nearzero.api.main import api

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("nearzero.sites.urls")),
    path("", include("nearzero.audit.urls")),
    path("", include("nearzero.inventory.urls")),
    path("", include("nearzero.energy.urls")),
    path("", include("nearzero.engagement.urls")),
    path("", include("nearzero.points.urls")),
    path("", include("nearzero.circle.urls")),
    path("", include("nearzero.evaluation.urls")),
    path("reports/", include("nearzero.reports.urls")),
    path("", include("nearzero.web.urls")),
]
