from django.contrib import admin

from common.admin_exports import ExportMixin

from .models import District, Municipality, PopulationCount, StreetRange
from .resources import DistrictResource, StreetRangeResource


@admin.register(Municipality)
class MunicipalityAdmin(ExportMixin, admin.ModelAdmin):
    list_display = ["code", "name", "group_name", "police_district", "public_view"]
    list_filter = ["group_name", "police_district", "public_view"]
    search_fields = ["code", "name"]
    exclude = ["boundary"]


@admin.register(District)
class DistrictAdmin(ExportMixin, admin.ModelAdmin):
    resource_classes = [DistrictResource]
    list_display = ["name", "municipality", "slug", "order", "color"]
    list_filter = ["municipality"]
    search_fields = ["name", "municipality__name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(StreetRange)
class StreetRangeAdmin(ExportMixin, admin.ModelAdmin):
    resource_classes = [StreetRangeResource]
    list_display = ["street_name", "house_from", "house_to", "side", "postcode", "district", "municipality"]
    list_filter = ["municipality", "district", "side"]
    search_fields = ["street_name", "street_code", "postcode"]
    exclude = ["batch"]


@admin.register(PopulationCount)
class PopulationCountAdmin(ExportMixin, admin.ModelAdmin):
    list_display = ["municipality", "district", "date", "sex", "age_from", "age_to", "count"]
    list_filter = ["municipality", "district", "sex"]
    date_hierarchy = "date"
    list_select_related = ["municipality", "district"]
    raw_id_fields = ["batch"]
