"""The "Systemansvarlig" group: the one role (beside superusers) that changes shared reference data.

Categories, code rules and national DST figures belong to no municipality: any analyst who could
change them changed every municipality's figures. Their write permissions move from Analytiker to
Systemansvarlig (analysts keep reading them).
"""

from django.db import migrations

SYSTEM = "Systemansvarlig"
SHARED = {
    "reports": ["categoryrule", "offencecategory", "offencecode", "categorycode"],
    "comparisons": ["dstvalue"],
    "importers": ["importbatch", "importchange"],
}
WRITE = {"categoryrule", "offencecategory", "offencecode", "dstvalue", "importbatch", "importchange"}
ANALYST_LOSES = {"reports": ["categoryrule", "offencecategory"], "comparisons": ["dstvalue"]}


def _permissions(Permission, app_label, names, actions):
    return Permission.objects.filter(content_type__app_label=app_label,
                                     codename__in=[f"{a}_{n}" for n in names for a in actions])


def system_role_create(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=SYSTEM)
    for app_label, names in SHARED.items():
        group.permissions.add(*_permissions(Permission, app_label, names, ["view"]))
        group.permissions.add(*_permissions(Permission, app_label, [n for n in names if n in WRITE],
                                            ["add", "change", "delete"]))
    analyst = Group.objects.filter(name="Analytiker").first()
    if analyst is not None:
        for app_label, names in ANALYST_LOSES.items():
            analyst.permissions.remove(*_permissions(Permission, app_label, names, ["add", "change", "delete"]))


def system_role_remove(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.filter(name=SYSTEM).delete()
    analyst = Group.objects.filter(name="Analytiker").first()
    if analyst is not None:
        for app_label, names in ANALYST_LOSES.items():
            analyst.permissions.add(*_permissions(Permission, app_label, names, ["add", "change", "delete"]))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_auditentry_municipalities"),
        ("comparisons", "0001_initial"),
        ("importers", "0002_import_change"),
        ("reports", "0001_initial"),
    ]
    operations = [migrations.RunPython(system_role_create, system_role_remove)]
