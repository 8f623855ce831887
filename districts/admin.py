from django.contrib import admin

from common.admin_exports import ExportMixin, ImportExportModelAdmin

from .models import District, Municipality, PopulationCount, StreetRange
from .resources import DistrictResource, StreetRangeResource


@admin.register(Municipality)
class MunicipalityAdmin(ExportMixin, admin.ModelAdmin):
    list_display = ["code", "name", "group_name", "police_district", "public_view"]
    list_filter = ["group_name", "police_district", "public_view"]
    search_fields = ["code", "name"]
    exclude = ["boundary"]


@admin.register(District)
class DistrictAdmin(ImportExportModelAdmin):
    resource_classes = [DistrictResource]
    list_display = ["name", "municipality", "slug", "order", "color"]
    list_filter = ["municipality"]
    search_fields = ["name", "municipality__name"]
    prepopulated_fields = {"slug": ["name"]}

    def has_import_permission(self, request):
        # the admin's import writes rows of any municipality it names, past the importers' check of each
        # row's municipality (importers/services/scope.py): analysts upload such files under /import/
        return request.user.is_superuser


@admin.register(StreetRange)
class StreetRangeAdmin(ImportExportModelAdmin):
    resource_classes = [StreetRangeResource]
    list_display = ["street_name", "house_from", "house_to", "side", "postcode", "district", "municipality"]
    list_filter = ["municipality", "district", "side"]
    search_fields = ["street_name", "street_code", "postcode"]
    exclude = ["batch"]

    def has_import_permission(self, request):
        # the admin's import writes rows of any municipality it names, past the importers' check of each
        # row's municipality (importers/services/scope.py): analysts upload such files under /import/
        return request.user.is_superuser


@admin.register(PopulationCount)
class PopulationCountAdmin(ExportMixin, admin.ModelAdmin):
    list_display = ["municipality", "district", "date", "sex", "age_from", "age_to", "count"]
    list_filter = ["municipality", "district", "sex"]
    date_hierarchy = "date"
    list_select_related = ["municipality", "district"]
    raw_id_fields = ["batch"]
