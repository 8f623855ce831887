"""The reports app's Celery tasks, in the module a worker's autodiscovery imports."""

from .halfyear.tasks import report_pdf_render
from .warm import dashboards_warm_task

__all__ = ["dashboards_warm_task", "report_pdf_render"]
