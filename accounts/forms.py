from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Brugernavn eller adgangskode er forkert. Efter 5 forkerte forsøg spærres kontoen i 30 minutter."
        ),
        "inactive": _("Kontoen er deaktiveret. Kontakt en administrator."),
    }
