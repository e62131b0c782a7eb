from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "nearzero.inventory"
    label = "inventory"
    verbose_name = _("Carbon inventory")

    def ready(self) -> None:
        from nearzero.web import dashboard

        from .dashboard import panel
        from .registry_sync import sync_after_migrate

        dashboard.register(20, "inventory", panel)
        post_migrate.connect(sync_after_migrate, sender=self)
