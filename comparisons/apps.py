from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComparisonsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "comparisons"
    verbose_name = _("Sammenligninger og mål")

    def ready(self) -> None:
        # Imported here, once the apps are loaded (Django's way for ready). reports serves the comparison's table
        # as a figure download and through export_figure, and shows the indicator and comparison sections of the
        # half-year report; it may not import comparisons (the layers), so they are registered with it here.
        from reports.figures import ExtraTable, extra_table_register
        from reports.halfyear.services import section_source_register
        from reports.intervals import IntervalSpec
        from reports.models import ReportSection

        from .report_sections import comparison_section, indicators_section
        from .services import ComparisonError, comparison_table

        intervals = IntervalSpec("reports", ("municipality_code", "category"), "population",
                                 (("reports_per_1000", "rate", 1000),))  # the comparison table's columns
        extra_table_register(ExtraTable("municipality-comparison", comparison_table, errors=(ComparisonError,),
                                        intervals=intervals))
        section_source_register(ReportSection.Kind.INDICATORS.value, indicators_section)
        section_source_register(ReportSection.Kind.COMPARISON.value, comparison_section)
