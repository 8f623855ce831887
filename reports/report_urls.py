from django.urls import path

from .halfyear import views

urlpatterns = [
    path("rapporter/", views.report_list, name="report_list"),
    path("rapporter/<int:report_id>/", views.report_edit, name="report_edit"),
    path("rapporter/<int:report_id>/afsnit/", views.report_section, name="report_section"),
    path("rapporter/<int:report_id>/offentliggoer/", views.report_publish_view, name="report_publish"),
    path("rapporter/<int:report_id>/ny-kladde/", views.report_copy_view, name="report_copy"),
    path("rapporter/<int:report_id>/forhaandsvisning/", views.report_preview, name="report_preview"),
    path("rapporter/<int:report_id>/pdf/", views.report_pdf_view, name="report_pdf"),
]
