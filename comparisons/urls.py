from django.urls import path, re_path

from . import views

urlpatterns = [
    path("kommune/<str:code>/sammenligning/", views.comparison, name="comparison"),
    re_path(r"^kommune/(?P<code>\d{3})/sammenligning\.(?P<fmt>da\.csv|csv|xlsx|json)$", views.comparison_download,
            name="comparison_download"),
    path("kommune/<str:code>/maal/", views.indicators, name="indicators"),
    path("kommune/<str:code>/maal/ny/", views.indicator_edit, name="indicator_create"),
    path("kommune/<str:code>/maal/<int:indicator_id>/", views.indicator_edit, name="indicator_edit"),
]
