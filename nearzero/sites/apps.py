from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SitesConfig(AppConfig):
    name = "nearzero.sites"
    label = "sites"
    verbose_name = _("Organisation tree")

    def ready(self) -> None:
        from nearzero.web import dashboard

        from .dashboard import panel

        dashboard.register(10, "sites", panel)
