from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("konto/login/", views.LoginView.as_view(), name="login"),
    path("konto/logout/", views.LogoutView.as_view(), name="logout"),
    path("konto/adgangskode/", views.PasswordChangeView.as_view(), name="password_change"),
    path("konto/adgangskode/skiftet/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("revision/", views.audit_log, name="audit_log"),
]
