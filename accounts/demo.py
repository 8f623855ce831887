"""Demo users, one per role, for the demo municipality."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from .access import ANALYST, MANAGER, STAFF
from .models import Membership

DEMO_USERS = {"analytiker": ANALYST, "medarbejder": STAFF, "leder": MANAGER}


def demo_users_create(municipality, *, password: str) -> None:
    user_model = get_user_model()
    for username, role in DEMO_USERS.items():
        user, _ = user_model.objects.get_or_create(username=username)
        if not user.check_password(password):
            user.set_password(password)
            user.save()
        Membership.objects.get_or_create(user=user, municipality=municipality, role=Group.objects.get(name=role))
