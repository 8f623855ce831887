from django.urls import path, re_path

from . import views

urlpatterns = [
    path("kommune/<str:code>/", views.dashboard, name="dashboard"),
    path("kommune/<str:code>/figur/<slug:slug>/", views.figure_detail, name="figure_detail"),
    re_path(r"^kommune/(?P<code>\d{3})/figur/(?P<slug>[a-z0-9-]+)\.(?P<fmt>da\.csv|csv|xlsx|json)$", views.figure_download, name="figure_download"),
]
