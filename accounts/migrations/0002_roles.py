"""The three roles as groups with their model permissions."""

from django.db import migrations

ROLES = {
    "Analytiker": {
        "importers": ["importbatch", "importchange"],
        "districts": ["district", "streetrange", "populationcount", "municipality"],
        "reports": ["categoryrule", "offencecategory", "reportcategory", "offencecode", "activityfigure",
                    "reportedoffence", "charge", "categorycode"],
        "comparisons": ["dstvalue"],
    },
    "Medarbejder": {
        "reports": ["reportedoffence", "offencecategory", "activityfigure"],
        "districts": ["district", "municipality"],
    },
    "Leder": {
        "reports": ["halfyearreport", "reportsection", "reportedoffence", "offencecategory", "activityfigure"],
        "districts": ["district", "municipality"],
        "comparisons": ["indicator"],
    },
}
WRITE = {
    "Analytiker": {"importbatch", "importchange", "district", "streetrange", "populationcount", "categoryrule",
                   "offencecategory", "reportcategory", "activityfigure", "dstvalue"},
    "Medarbejder": set(),
    "Leder": {"halfyearreport", "reportsection", "indicator", "activityfigure"},
}


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, models in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for app_label, names in models.items():
            for name in names:
                actions = ["view"] + (["add", "change", "delete"] if name in WRITE[role] else [])
                wanted += [f"{action}_{name}" for action in actions]
                perms = Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=[f"{a}_{name}" for a in actions]
                )
                group.permissions.add(*perms)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("importers", "0002_import_change"),
        ("reports", "0001_initial"),
        ("districts", "0001_initial"),
        ("comparisons", "0001_initial"),
    ]
    operations = [migrations.RunPython(create_roles, remove_roles)]
