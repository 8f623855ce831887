import csv
import io

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse

pytestmark = pytest.mark.django_db


def test_every_admin_changelist_and_add_page_opens(admin_client):
    call_command("load_reference", verbosity=0)
    for model in admin.site._registry:
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert admin_client.get(url).status_code == 200, url
        if admin.site._registry[model].search_fields:
            assert admin_client.get(url, {"q": "Lund 7"}).status_code == 200, url
    assert admin_client.get(reverse("admin:reports_categoryrule_add") + "?prefix=99999&source=politi").status_code == 200


def test_charge_list_hides_person_key(admin_client, albertslund):
    from reports.models import Charge

    Charge.objects.create(journal_number="J-1", forhold=1, person_key="cpr:abcdef0123456789")
    page = admin_client.get(reverse("admin:reports_charge_changelist")).content.decode()
    assert "J-1" in page and "abcdef0123456789" not in page


def test_rule_saved_in_admin_recategorises(admin_client, dke_categories):
    from reports.categories import offence_codes_register
    from reports.models import CategoryCode, OffenceCategory

    offence_codes_register(source="politi", codes={"99110": "Andet"})
    vold = OffenceCategory.objects.get(slug="vold")
    response = admin_client.post(
        reverse("admin:reports_categoryrule_add"),
        {"category": vold.pk, "source": "politi", "prefix": "991", "exclude": ""},
    )
    assert response.status_code == 302
    assert CategoryCode.objects.filter(category=vold, code="99110").exists()


def test_logs_and_derived_tables_are_read_only(admin_client):
    from accounts.models import AuditEntry
    from importers.models import ImportBatch, ImportChange
    from reports.models import CategoryCode, OffenceAggregate

    for model in (AuditEntry, ImportBatch, ImportChange, CategoryCode, OffenceAggregate):
        opts = model._meta
        assert admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 403
    assert admin_client.get(reverse("admin:importers_importchange_changelist")).status_code == 200


IMPORTED_BEFORE = ["/admin/districts/district/", "/admin/districts/streetrange/", "/admin/reports/categoryrule/",
                   "/admin/reports/activityfigure/"]


def test_the_admin_exports_only(admin_client, albertslund):
    """One write path (issue 23): files are loaded through /import/ (validation, batch, rollback); no admin offers
    django-import-export's import, not even to a superuser, and its old address answers 404 and writes nothing."""
    from import_export.admin import ImportMixin

    from districts.models import StreetRange

    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        assert not isinstance(model_admin, ImportMixin), opts.label
        with pytest.raises(NoReverseMatch):
            reverse(f"admin:{opts.app_label}_{opts.model_name}_import")
    for changelist in IMPORTED_BEFORE:
        page = admin_client.get(changelist).content.decode()
        assert f'href="{changelist}export/' in page and f"{changelist}import/" not in page, changelist
        assert admin_client.get(changelist + "import/").status_code == 404, changelist
    streets = "Kommunekode,street_name,house_from,house_to,side,postcode,Bydel\r\n165,Ny Vej,1,9,odd,2620,Lund\r\n"
    response = admin_client.post("/admin/districts/streetrange/import/", {
        "import_file": SimpleUploadedFile("veje.csv", streets.encode()), "format": "0", "resource": "0"})
    assert response.status_code == 404 and not StreetRange.objects.filter(street_name="Ny Vej").exists()


def test_activity_figures_export_names_the_district_and_its_municipality(admin_client, albertslund):
    """Two municipalities both have a "Lund": the export says which by the row's Kommunekode."""
    from districts.models import District, Municipality
    from reports.models import ActivityFigure
    from tests.security.admin_export import admin_export

    other = Municipality.objects.create(code="101", name="København")
    lund = District.objects.get(municipality=albertslund, name="Lund")
    ActivityFigure.objects.create(municipality=albertslund, district=lund, name="Andel utrygge", period="2017H2",
                                  value=12.5, unit="procent")
    ActivityFigure.objects.create(municipality=other, district=District.objects.create(
        municipality=other, name="Lund", slug="lund"), name="Andel utrygge", period="2017H2", value=8, unit="procent")
    rows = list(csv.reader(io.StringIO(admin_export(admin_client, "/admin/reports/activityfigure/", "csv")
                                       .decode("utf-8-sig"))))
    assert rows[0][1:] == ["Kommunekode", "Bydel", "name", "period", "value", "unit"]
    assert sorted(r[1:] for r in rows[1:]) == [["101", "Lund", "Andel utrygge", "2017H2", "8,0", "procent"],
                                               ["165", "Lund", "Andel utrygge", "2017H2", "12,5", "procent"]]
