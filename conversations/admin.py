from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from conversations.models import Conversation, Message
from levels.exclusions import conversation_exclude, conversation_include
from orders.admin import EXCLUSION_FIELDS, ExclusionActionsMixin, user_search_fields


class MessageInline(admin.TabularInline):
    """The messages of an inquiry, shown read-only (see MessageAdmin for why)."""

    model = Message
    fields = ("sent_at", "sender", "body")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Conversation)
class ConversationAdmin(ExclusionActionsMixin, admin.ModelAdmin):
    exclude_service = conversation_exclude
    include_service = conversation_include
    service_argument = "conversation"
    list_display = ("__str__", "seller", "buyer", "service", "started_at", "first_reply_at", "excluded")
    list_filter = ("excluded", "started_at", ("first_reply_at", admin.EmptyFieldListFilter))
    search_fields = ("external_id", *user_search_fields("seller", "buyer"))
    list_select_related = ("seller", "buyer", "service")
    autocomplete_fields = ("seller", "buyer", "service")
    # The message write paths keep first_reply_at equal to the seller's
    # earliest message; editing it here would let the two disagree.
    readonly_fields = ("first_reply_at", *EXCLUSION_FIELDS)
    inlines = (MessageInline,)
    # Latest stored first. The primary key index serves this order, whereas
    # sorting a large table by an unindexed date would read every row.
    ordering = ("-pk",)
    show_full_result_count = False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Messages, read-only: adding, editing or deleting one would bypass the
    write paths that keep the inquiry's first_reply_at, and so the seller's
    response time, correct."""

    list_display = ("__str__", "conversation", "sender", "short_body", "sent_at")
    list_filter = ("sender", "sent_at")
    search_fields = ("external_id", "conversation__external_id", *user_search_fields(
        "conversation__seller", "conversation__buyer",
    ))
    list_select_related = ("conversation",)
    # Latest stored first. The primary key index serves this order, whereas
    # sorting a large table by an unindexed date would read every row.
    ordering = ("-pk",)
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("message"))
    def short_body(self, message):
        return message.body if len(message.body) <= 80 else message.body[:79] + "…"
