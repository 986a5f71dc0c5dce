from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from sellers.models import SellerProfile
from services.models import Category, Service


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("slug", "name_ar", "name_en")
    search_fields = ("slug", "name_ar", "name_en")
    prepopulated_fields = {"slug": ("name_en",)}


class ServiceAdminForm(forms.ModelForm):
    class Meta:
        model = Service
        fields = "__all__"

    def clean(self):
        cleaned_data = super().clean()

        # The admin validates and saves inside one transaction. Locking the
        # seller's profile row before the model's full_clean counts the active
        # services makes two staff saves for the same seller wait for each
        # other, so they cannot both pass the cap.
        seller = cleaned_data.get("seller")
        if seller is not None:
            SellerProfile.objects.select_for_update().filter(user=seller).first()
        return cleaned_data


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    """Services; saving runs the model's full_clean, so the level caps apply."""

    form = ServiceAdminForm
    list_display = ("title", "seller", "seller_level", "category", "price", "status", "created_at")
    list_filter = ("status", "pause_reason", "category")
    search_fields = ("title", "external_id", "seller__username", "seller__display_name", "seller__external_id")
    list_select_related = ("seller__seller_profile", "category")
    autocomplete_fields = ("seller", "category")
    readonly_fields = ("updated_at",)
    ordering = ("-created_at", "-pk")
    show_full_result_count = False

    @admin.display(description=_("level"), ordering="seller__seller_profile__level", empty_value="—")
    def seller_level(self, service):
        profile = getattr(service.seller, "seller_profile", None)
        return profile.level if profile is not None else None
