"""Issue 21, finding 7: the lock-out keys on the client behind the proxy, per username and address, and
the password-change form counts wrong old passwords like failed logins."""

import pytest
from django.test import RequestFactory

from accounts.models import AuditEntry
from accounts.security import client_ip

pytestmark = pytest.mark.django_db
PROXY = "10.0.0.2"  # the reverse proxy: every request reaches gunicorn from here
ATTACKER, IDA = "203.0.113.9", "198.51.100.7"


@pytest.fixture
def ida(django_user_model):
    return django_user_model.objects.create_user("ida", password="rigtig-kode-123")


def login(client, password, *, forwarded, username="ida"):
    return client.post("/konto/login/", {"username": username, "password": password},
                       REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)


def test_behind_the_proxy_an_attacker_locks_only_himself_out(client, settings, ida):
    settings.BEHIND_PROXY = True
    for _ in range(5):
        response = login(client, "forkert", forwarded=ATTACKER)
    assert "spærret" in response.content.decode()
    assert login(client, "rigtig-kode-123", forwarded=ATTACKER).status_code == 429  # locked: his address
    # the real user, through the same proxy from her own address, is not locked out
    assert login(client, "rigtig-kode-123", forwarded=IDA).status_code == 302


def test_an_address_the_client_writes_itself_is_not_believed(client, settings, ida):
    """The client may send its own X-Forwarded-For; the proxy appends the address it saw, and only that
    last entry counts: rotating made-up addresses in front of it does not reset the count."""
    settings.BEHIND_PROXY = True
    for n in range(5):
        login(client, "forkert", forwarded=f"192.0.2.{n}, {ATTACKER}")
    assert login(client, "rigtig-kode-123", forwarded=f"192.0.2.77, {ATTACKER}").status_code == 429
    assert login(client, "rigtig-kode-123", forwarded=f"{ATTACKER}, {IDA}").status_code == 302


def test_without_the_proxy_setting_the_header_is_ignored(client, settings, ida):
    settings.BEHIND_PROXY = False
    for n in range(5):
        login(client, "forkert", forwarded=f"192.0.2.{n}")
    # every request came from the same REMOTE_ADDR: locked whatever the header says
    assert login(client, "rigtig-kode-123", forwarded=IDA).status_code == 429


def test_client_ip_takes_the_entry_the_trusted_proxies_wrote(settings):
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.1, {ATTACKER}, 10.0.0.1")
    settings.BEHIND_PROXY = False
    assert client_ip(request) == PROXY
    settings.BEHIND_PROXY, settings.PROXY_COUNT = True, 1
    assert client_ip(request) == "10.0.0.1"
    settings.PROXY_COUNT = 2  # a load balancer in front of the proxy
    assert client_ip(request) == ATTACKER
    for header in ("", "ikke-en-adresse", "\x00"):
        settings.PROXY_COUNT = 1
        assert client_ip(RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=header)) == PROXY


def change(client, old, new="Helt-ny-kode-2026"):
    return client.post("/konto/adgangskode/", {"old_password": old, "new_password1": new, "new_password2": new})


def test_wrong_old_passwords_lock_the_password_form_like_logins(client, ida):
    client.force_login(ida)
    for attempt in range(4):
        response = change(client, "forkert")
        assert response.status_code == 200 and "old_password" in response.context["form"].errors, attempt
    fifth = change(client, "forkert")
    assert fifth.status_code == 429 and "spærret" in fifth.content.decode()
    # locked: the right old password is not even tried, and the password stays as it was
    assert change(client, "rigtig-kode-123").status_code == 429
    ida.refresh_from_db()
    assert ida.check_password("rigtig-kode-123")
    assert AuditEntry.objects.filter(action="login_failed", target="ida").count() == 5
    assert AuditEntry.objects.filter(action="login_locked_out", target="ida").exists()


def test_a_right_old_password_below_the_limit_changes_it(client, ida):
    client.force_login(ida)
    for _ in range(3):
        change(client, "forkert")
    response = change(client, "rigtig-kode-123")
    assert response.status_code == 302 and response["Location"] == "/konto/adgangskode/skiftet/"
    ida.refresh_from_db()
    assert ida.check_password("Helt-ny-kode-2026")
