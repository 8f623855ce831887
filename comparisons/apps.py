from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComparisonsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "comparisons"
    verbose_name = _("Sammenligninger og mål")

    def ready(self) -> None:
        # Imported here, once the apps are loaded. reports serves the comparison's table as a figure download and through export_figure; it may not
        # import comparisons (the layers), so the table is registered with it here.
        # The same for the half-year report's indicator and comparison sections.
        from reports.figures import ExtraTable, extra_table_register
        from reports.halfyear.services import section_source_register
        from reports.intervals import COMPARISON_INTERVALS
        from reports.models import ReportSection

        from .report_sections import comparison_section, indicators_section
        from .services import ComparisonError, comparison_table

        extra_table_register(ExtraTable("municipality-comparison", comparison_table, errors=(ComparisonError,),
                                        intervals=COMPARISON_INTERVALS))
        section_source_register(ReportSection.Kind.INDICATORS.value, indicators_section)
        section_source_register(ReportSection.Kind.COMPARISON.value, comparison_section)
