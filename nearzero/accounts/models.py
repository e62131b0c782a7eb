"""Users and the roles they hold on nodes of the organisation tree."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who signs in: staff of any level, or a resident."""

    display_name = models.CharField(_("display name"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username


class Role(models.TextChoices):
    OFFICER = "officer", _("officer")
    COMMUNITY_ADMIN = "community_admin", _("community admin")
    SITE_STAFF = "site_staff", _("site staff")
    RESIDENT = "resident", _("resident")


STAFF_ROLES = (Role.OFFICER, Role.COMMUNITY_ADMIN, Role.SITE_STAFF)


class RoleAssignment(models.Model):
    """One role of one user on one node: a region, a community or a site."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="roles",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        "sites.Region", verbose_name=_("region"), on_delete=models.PROTECT, null=True, blank=True
    )
    community = models.ForeignKey(
        "sites.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.PROTECT, null=True, blank=True
    )
    household = models.ForeignKey(
        "sites.Household",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.CheckConstraint(
                name="role_scope_matches_role",
                condition=(
                    Q(
                        role="officer",
                        region__isnull=False,
                        community__isnull=True,
                        site__isnull=True,
                        household__isnull=True,
                    )
                    | Q(
                        role="community_admin",
                        region__isnull=True,
                        community__isnull=False,
                        site__isnull=True,
                        household__isnull=True,
                    )
                    | Q(
                        role="site_staff",
                        region__isnull=True,
                        community__isnull=True,
                        site__isnull=False,
                        household__isnull=True,
                    )
                    | Q(
                        role="resident",
                        region__isnull=True,
                        community__isnull=False,
                        site__isnull=True,
                    )
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.node}"

    @property
    def node(self):
        return self.region or self.site or self.community
