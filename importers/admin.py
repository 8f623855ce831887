from django.contrib import admin
from import_export import resources

from common.admin_exports import ExportMixin

from .models import ImportBatch, ImportChange


@admin.register(ImportBatch)
class ImportBatchAdmin(ExportMixin, admin.ModelAdmin):
    list_display = ["pk", "kind", "status", "file_name", "user", "created_at", "rows_read",
                    "rows_created", "rows_updated", "rows_rejected"]
    list_filter = ["kind", "status"]
    search_fields = ["file_name", "sha256"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # undo a batch with its rollback (the batch page), which restores the rows


class ImportChangeResource(resources.ModelResource):
    class Meta:
        model = ImportChange
        fields = ["id", "batch", "model", "object_id", "action"]  # not "previous": it can hold person keys


@admin.register(ImportChange)
class ImportChangeAdmin(ExportMixin, admin.ModelAdmin):
    """The per-row change log that rollback uses; read-only, earlier values not shown (personal data)."""

    resource_classes = [ImportChangeResource]
    list_display = ["batch", "model", "object_id", "action"]
    list_filter = ["model", "action"]
    search_fields = ["object_id"]
    exclude = ["previous"]
    raw_id_fields = ["batch"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
