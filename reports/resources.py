"""The admin's exports (export only: files are loaded through the importers, ``/import/``)."""

from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from districts.resources import district_field, municipality_field

from .models import ActivityFigure, CategoryRule, OffenceCategory


class CategoryRuleResource(resources.ModelResource):
    category = fields.Field(
        column_name="Kategori", attribute="category", widget=ForeignKeyWidget(OffenceCategory, field="slug")
    )

    class Meta:
        model = CategoryRule
        fields = ["id", "category", "source", "prefix", "exclude"]


class ActivityFigureResource(resources.ModelResource):
    municipality = municipality_field()
    district = district_field()

    class Meta:
        model = ActivityFigure
        fields = ["id", "municipality", "district", "name", "period", "value", "unit"]
