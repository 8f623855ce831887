from typing import TYPE_CHECKING

from django.contrib import admin

from common.admin_exports import ExportMixin

from .aggregates import aggregates_refresh
from .categories import category_membership_refresh
from .models import (
    ActivityFigure,
    CategoryCode,
    CategoryRule,
    Charge,
    HalfYearReport,
    OffenceAggregate,
    OffenceCategory,
    OffenceCode,
    ReportCategory,
    ReportedOffence,
    ReportSection,
)
from .resources import ActivityFigureResource, CategoryRuleResource


class CategoryRuleInline(admin.TabularInline):
    model = CategoryRule
    extra = 1
    exclude = ["batch"]


@admin.register(OffenceCategory)
class OffenceCategoryAdmin(ExportMixin, admin.ModelAdmin):
    list_display = ["slug", "name", "order"]
    search_fields = ["slug", "name"]
    inlines = [CategoryRuleInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        category_membership_refresh()


@admin.register(CategoryRule)
class CategoryRuleAdmin(ExportMixin, admin.ModelAdmin):
    resource_classes = [CategoryRuleResource]
    list_display = ["category", "source", "prefix", "exclude"]
    list_filter = ["category", "source", "exclude"]
    search_fields = ["prefix"]
    exclude = ["batch"]

    def get_changeform_initial_data(self, request):
        # the data-quality page links here with ?prefix=CODE&source=politi
        return {key: request.GET[key] for key in ("prefix", "source", "category") if key in request.GET}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        category_membership_refresh()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        category_membership_refresh()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        category_membership_refresh()


@admin.register(ReportCategory)
class ReportCategoryAdmin(ExportMixin, admin.ModelAdmin):
    list_display = ["municipality", "category", "order"]
    list_filter = ["municipality"]


@admin.register(OffenceCode)
class OffenceCodeAdmin(ExportMixin, admin.ModelAdmin):
    list_display = ["source", "code", "text"]
    list_filter = ["source"]
    search_fields = ["code", "text"]


@admin.register(CategoryCode)
class CategoryCodeAdmin(ExportMixin, admin.ModelAdmin):
    list_display = ["category", "source", "code"]
    list_filter = ["category", "source"]
    search_fields = ["code"]

    def has_add_permission(self, request):
        return False  # derived from the rules

    def has_change_permission(self, request, obj=None):
        return False


if TYPE_CHECKING:  # what the mixin is mixed into
    _ModelAdmin = admin.ModelAdmin
else:
    _ModelAdmin = object


class AggregateRefreshMixin(_ModelAdmin):
    """Edits in the admin keep the aggregate table and charge facts behind the figures in step: the
    municipalities of the rows before and after the edit are recomputed."""

    @staticmethod
    def _municipality_id(obj):
        return obj.municipality_id if isinstance(obj, ReportedOffence) else (
            obj.offence.municipality_id if obj.offence_id else None)

    def _refresh(self, *municipalities):
        aggregates_refresh(municipality_ids={m for m in municipalities if m})

    def _stored(self, obj):
        """The municipality of the row as stored (before the edit)."""
        stored = type(obj).objects.filter(pk=obj.pk).select_related(*(
            [] if isinstance(obj, ReportedOffence) else ["offence"])).first() if obj.pk else None
        return self._municipality_id(stored) if stored else None

    def save_model(self, request, obj, form, change):
        before = self._stored(obj)
        super().save_model(request, obj, form, change)
        self._refresh(before, self._municipality_id(obj))

    def delete_model(self, request, obj):
        municipality = self._municipality_id(obj)
        super().delete_model(request, obj)
        self._refresh(municipality)

    def delete_queryset(self, request, queryset):
        municipalities = [self._municipality_id(obj) for obj in queryset]
        super().delete_queryset(request, queryset)
        self._refresh(*municipalities)


@admin.register(ReportedOffence)
class ReportedOffenceAdmin(AggregateRefreshMixin, ExportMixin, admin.ModelAdmin):
    list_display = ["journal_number", "forhold", "report_date", "code", "municipality", "district"]
    list_filter = ["municipality", "district", "district_method", "police_initiated"]
    search_fields = ["journal_number", "code", "address"]
    date_hierarchy = "report_date"
    list_select_related = ["municipality", "district"]
    raw_id_fields = ["batch"]
    show_full_result_count = False


@admin.register(Charge)
class ChargeAdmin(AggregateRefreshMixin, ExportMixin, admin.ModelAdmin):
    # the person key is personal data: not listed, not searchable
    list_display = ["journal_number", "forhold", "charge_date", "home_municipality", "home_district"]
    list_filter = ["home_municipality", "sex"]
    search_fields = ["journal_number"]
    list_select_related = ["home_municipality", "home_district"]
    raw_id_fields = ["offence", "batch"]
    show_full_result_count = False


@admin.register(ActivityFigure)
class ActivityFigureAdmin(ExportMixin, admin.ModelAdmin):
    resource_classes = [ActivityFigureResource]
    list_display = ["name", "period", "value", "unit", "district", "municipality"]
    list_filter = ["municipality", "name", "unit"]
    exclude = ["batch"]


class ReportSectionInline(admin.StackedInline):
    model = ReportSection
    extra = 0


@admin.register(HalfYearReport)
class HalfYearReportAdmin(ExportMixin, admin.ModelAdmin):
    list_display = ["title", "municipality", "period", "status", "updated_at"]
    list_filter = ["municipality", "status"]
    exclude = ["snapshot"]
    inlines = [ReportSectionInline]


@admin.register(ReportSection)
class ReportSectionAdmin(ExportMixin, admin.ModelAdmin):
    list_display = ["title", "report", "order", "kind"]
    list_filter = ["kind", "report__municipality", "report__status"]
    search_fields = ["title", "report__title"]
    list_select_related = ["report"]


@admin.register(OffenceAggregate)
class OffenceAggregateAdmin(ExportMixin, admin.ModelAdmin):
    """Derived from the offences and charges (reports.aggregates): visible, never edited by hand."""

    list_display = ["municipality", "district", "code", "month", "basis", "reports", "charges"]
    list_filter = ["basis", "municipality"]
    search_fields = ["code"]
    date_hierarchy = "month"
    list_select_related = ["municipality", "district"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
