from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    name = "nearzero.points"
    label = "points"
    verbose_name = _("Carbon points")

    def ready(self) -> None:
        from nearzero.web import dashboard

        from .dashboard import panel

        dashboard.register(50, "points", panel)
