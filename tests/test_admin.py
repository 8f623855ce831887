import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

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


def test_activity_figures_import_finds_the_district_of_the_rows_municipality(albertslund):
    """Two municipalities both have a "Lund": the file's Kommunekode decides which one."""
    import tablib

    from districts.models import District, Municipality
    from reports.models import ActivityFigure
    from reports.resources import ActivityFigureResource

    other = Municipality.objects.create(code="101", name="København")
    District.objects.create(municipality=other, name="Lund", slug="lund")
    data = tablib.Dataset(headers=["Kommunekode", "Bydel", "name", "period", "value", "unit"])
    data.append(["165", "lund", "Andel utrygge", "2017H2", "12.5", "procent"])
    data.append(["101", "Lund", "Andel utrygge", "2017H2", "8", "procent"])
    result = ActivityFigureResource().import_data(data, dry_run=False, raise_errors=True)
    assert not result.has_errors()
    figures = {f.municipality.code: f.district for f in ActivityFigure.objects.select_related("district")}
    assert figures["165"].municipality == albertslund and figures["165"].name == "Lund"
    assert figures["101"].municipality == other
