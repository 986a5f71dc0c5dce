from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User

admin.site.site_header = _("Marketplace administration")
admin.site.site_title = _("Marketplace administration")
admin.site.index_title = _("Marketplace data")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "display_name", "email", "external_id", "seller_level", "is_staff", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", ("seller_profile", admin.EmptyFieldListFilter))
    search_fields = ("username", "display_name", "external_id", "email")
    list_select_related = ("seller_profile",)
    show_full_result_count = False

    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Marketplace"), {"fields": ("display_name", "external_id")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Marketplace"), {"fields": ("display_name",)}),
    )

    @admin.display(description=_("level"), ordering="seller_profile__level", empty_value="—")
    def seller_level(self, user):
        profile = getattr(user, "seller_profile", None)
        return profile.level if profile is not None else None
