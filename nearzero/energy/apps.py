from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnergyConfig(AppConfig):
    name = "nearzero.energy"
    label = "energy"
    verbose_name = _("Energy")

    def ready(self) -> None:
        from nearzero.web import dashboard

        from .dashboard import panel

        dashboard.register(30, "energy", panel)
