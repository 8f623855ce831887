"""The preview of a batch gets its own field (it was kept in ``options`` under ``_preview``, ``_columns``
and ``_message``)."""

from django.db import migrations, models

MOVED = {"_preview": "rows", "_columns": "columns", "_message": "message"}


def preview_out_of_options(apps, schema_editor):
    ImportBatch = apps.get_model("importers", "ImportBatch")
    for batch in ImportBatch.objects.filter(options__has_any_keys=list(MOVED)).iterator():
        options = dict(batch.options or {})
        batch.preview = {new: options.pop(old) for old, new in MOVED.items() if old in options}
        batch.options = options
        batch.save(update_fields=["preview", "options"])


def preview_into_options(apps, schema_editor):
    ImportBatch = apps.get_model("importers", "ImportBatch")
    for batch in ImportBatch.objects.exclude(preview={}).iterator():
        kept = {old: batch.preview[new] for old, new in MOVED.items() if new in (batch.preview or {})}
        batch.options = {**(batch.options or {}), **kept}
        batch.save(update_fields=["options"])


class Migration(migrations.Migration):

    dependencies = [
        ("importers", "0008_batch_kinds_komgrp_mun_bounds"),
    ]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="preview",
            field=models.JSONField(blank=True, default=dict, verbose_name="forhåndsvisning"),
        ),
        migrations.RunPython(preview_out_of_options, preview_into_options),
    ]
