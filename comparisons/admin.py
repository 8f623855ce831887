from django.contrib import admin

from common.admin_exports import ExportMixin

from .models import DstValue, Indicator


@admin.register(DstValue)
class DstValueAdmin(ExportMixin, admin.ModelAdmin):
    list_display = ["table", "area_code", "area_name", "dims", "period", "value"]
    list_filter = ["table"]
    search_fields = ["area_code", "area_name", "dims"]
    raw_id_fields = ["batch"]
    show_full_result_count = False


@admin.register(Indicator)
class IndicatorAdmin(ExportMixin, admin.ModelAdmin):
    list_display = ["name", "municipality", "baseline_period", "target_period", "target_value",
                    "target_change_pct", "direction"]
    list_filter = ["municipality", "direction"]
