from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from .models import District, Municipality, StreetRange


def municipality_field() -> fields.Field:
    """The municipality as its DST code in import/export files."""
    return fields.Field(column_name="Kommunekode", attribute="municipality",
                        widget=ForeignKeyWidget(Municipality, field="code"))


class DistrictWidget(ForeignKeyWidget):
    """A district by name, looked up within the row's municipality (names repeat across municipalities)."""

    def __init__(self) -> None:
        super().__init__(District, field="name")

    def get_queryset(self, value, row, *args, **kwargs):
        code = str((row or {}).get("Kommunekode") or "").strip()
        queryset = District.objects.all()
        return queryset.filter(municipality__code=code.lstrip("0").zfill(3)) if code else queryset

    def get_lookup_kwargs(self, value, row, **kwargs):
        return {"name__iexact": str(value).strip()}


def district_field() -> fields.Field:
    """The district by name (within the row's municipality) in import/export files."""
    return fields.Field(column_name="Bydel", attribute="district", widget=DistrictWidget())


class DistrictResource(resources.ModelResource):
    municipality = municipality_field()

    class Meta:
        model = District
        fields = ["id", "municipality", "name", "slug", "order", "color"]
        import_id_fields = ["municipality", "name"]


class StreetRangeResource(resources.ModelResource):
    municipality = municipality_field()
    district = district_field()

    class Meta:
        model = StreetRange
        fields = [
            "id", "municipality", "street_name", "street_code", "house_from", "house_from_letter",
            "house_to", "house_to_letter", "side", "postcode", "district",
        ]
