from django.contrib import admin

from common.admin_exports import ExportMixin

from .models import AuditEntry, Membership


@admin.register(Membership)
class MembershipAdmin(ExportMixin, admin.ModelAdmin):
    list_display = ["user", "role", "municipality"]
    list_filter = ["role", "municipality"]
    search_fields = ["user__username"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ExportMixin, admin.ModelAdmin):
    list_display = ["at", "username", "action", "municipality", "target"]
    list_filter = ["action", "municipality"]
    search_fields = ["username", "target"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
