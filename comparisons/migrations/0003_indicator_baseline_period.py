"""Indicators: the baseline becomes a period whose value is read from the data (issue 25).

The hand-typed baseline value is dropped: it could contradict the data (the demo's "82,7 in 2016" where the
figure shows 55,8). A value target set against it keeps its intent as the per cent change it asked for
(82,7 → 72 becomes −12,9 %), so it cannot contradict the data's baseline either; a target against a baseline of
0 has no such change and stays a value.
"""

from django.db import migrations, models


def forwards(apps, schema_editor):
    Indicator = apps.get_model("comparisons", "Indicator")
    for indicator in Indicator.objects.all():
        indicator.baseline_period = str(indicator.baseline_year)
        indicator.target_period = str(indicator.target_year)
        if indicator.baseline_value:
            indicator.target_change_pct = round((indicator.target_value / indicator.baseline_value - 1) * 100, 1)
            indicator.target_value = None
        indicator.save(update_fields=["baseline_period", "target_period", "target_change_pct", "target_value"])


def backwards(apps, schema_editor):
    """Back to typed values: the baseline is unknown then (0), a change target becomes that change of it."""
    Indicator = apps.get_model("comparisons", "Indicator")
    for indicator in Indicator.objects.all():
        indicator.baseline_year = int(indicator.baseline_period[:4])
        indicator.target_year = int(indicator.target_period[:4])
        indicator.baseline_value = 0.0
        if indicator.target_value is None:
            indicator.target_value = 0.0
        indicator.save(update_fields=["baseline_year", "target_year", "baseline_value", "target_value"])


class Migration(migrations.Migration):

    dependencies = [
        ("comparisons", "0002_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="indicator", name="baseline_period",
            field=models.CharField(default="", help_text="Et år (2016) eller et halvår (2016H1).", max_length=7,
                                   verbose_name="udgangsperiode"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="indicator", name="target_period",
            field=models.CharField(default="", help_text="Af samme slags som udgangsperioden (et år eller et halvår).",
                                   max_length=7, verbose_name="målperiode"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="indicator", name="target_change_pct",
            field=models.FloatField(blank=True, help_text="Fx −13 for et fald på 13 % fra udgangspunktet.", null=True,
                                    verbose_name="mål (ændring i procent)"),
        ),
        migrations.AlterField(
            model_name="indicator", name="target_value",
            field=models.FloatField(blank=True, null=True, verbose_name="mål (værdi)"),
        ),
        migrations.AlterField(
            model_name="indicator", name="baseline_value",
            field=models.FloatField(null=True, verbose_name="udgangspunkt"),
        ),
        # nullable while the data move, so the migration also runs backwards
        migrations.AlterField(
            model_name="indicator", name="baseline_year",
            field=models.PositiveSmallIntegerField(null=True, verbose_name="udgangsår"),
        ),
        migrations.AlterField(
            model_name="indicator", name="target_year",
            field=models.PositiveSmallIntegerField(null=True, verbose_name="målår"),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="indicator", name="baseline_value"),
        migrations.RemoveField(model_name="indicator", name="baseline_year"),
        migrations.RemoveField(model_name="indicator", name="target_year"),
        migrations.AddConstraint(
            model_name="indicator",
            constraint=models.CheckConstraint(
                condition=models.Q(models.Q(("target_change_pct__isnull", True), ("target_value__isnull", False)),
                                   models.Q(("target_change_pct__isnull", False), ("target_value__isnull", True)),
                                   _connector="OR"),
                name="indicator_one_target",
            ),
        ),
    ]
