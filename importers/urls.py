from django.urls import path

from . import views

urlpatterns = [
    path("import/", views.upload, name="import_upload"),
    path("import/<int:batch_id>/", views.batch_detail, name="import_batch_detail"),
    path("import/<int:batch_id>/godkend/", views.confirm, name="import_confirm"),
    path("import/<int:batch_id>/status.json", views.status, name="import_status"),
    path("import/<int:batch_id>/rul-tilbage/", views.rollback, name="import_rollback"),
    path("import/<int:batch_id>/genstart/", views.resume, name="import_resume"),
    path("datakvalitet/", views.data_quality, name="data_quality"),
    path("hjaelp/", views.help_page, name="help"),
    path("hjaelp/skabelon/<slug:kind>.<slug:fmt>", views.help_template, name="help_template"),
]
