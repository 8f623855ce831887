"""The admin's exports (export only: files are loaded through the importers, ``/import/``)."""

from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from .models import District, Municipality, StreetRange


def municipality_field() -> fields.Field:
    """The municipality as its DST code in export files."""
    return fields.Field(column_name="Kommunekode", attribute="municipality",
                        widget=ForeignKeyWidget(Municipality, field="code"))


def district_field() -> fields.Field:
    """The district by name in export files (beside the municipality's code: names repeat across municipalities)."""
    return fields.Field(column_name="Bydel", attribute="district", widget=ForeignKeyWidget(District, field="name"))


class DistrictResource(resources.ModelResource):
    municipality = municipality_field()

    class Meta:
        model = District
        fields = ["id", "municipality", "name", "slug", "order", "color"]


class StreetRangeResource(resources.ModelResource):
    municipality = municipality_field()
    district = district_field()

    class Meta:
        model = StreetRange
        fields = [
            "id", "municipality", "street_name", "street_code", "house_from", "house_from_letter",
            "house_to", "house_to_letter", "side", "postcode", "district",
        ]
