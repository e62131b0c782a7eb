from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    name = "nearzero.engagement"
    label = "engagement"
    verbose_name = _("Engagement")

    def ready(self) -> None:
        from nearzero.web import dashboard

        from .catalogue import sync_after_migrate
        from .dashboard import panel

        dashboard.register(40, "engagement", panel)
        post_migrate.connect(sync_after_migrate, sender=self)
