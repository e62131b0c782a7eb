from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CircleConfig(AppConfig):
    name = "nearzero.circle"
    label = "circle"
    verbose_name = _("15-minute low-carbon circle")

    def ready(self) -> None:
        from nearzero.web import dashboard

        from .dashboard import panel

        dashboard.register(60, "circle", panel)
