from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Brugernavn eller adgangskode er forkert. Efter 5 forkerte forsøg spærres kontoen i 30 minutter."
        ),
        "inactive": _("Kontoen er deaktiveret. Kontakt en administrator."),
    }


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """A wrong old password counts as a failed login (django-axes, per username and address): after the
    same number of failures the user is locked out for the same time, and each failure is audited."""

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self):
        try:
            return super().clean_old_password()
        except ValidationError:
            user_login_failed.send(sender=__name__, credentials={"username": self.user.get_username()},
                                   request=self.request)
            raise
