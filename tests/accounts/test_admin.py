"""The staff's admin: password login by phone, masked phone numbers, phone search."""

import pytest

from jaki.accounts.models import User
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = UserFactory(phone="+6281100000000", name="Admin", is_staff=True, is_superuser=True)
    admin.set_password("kuat-sekali-2026")
    admin.save()
    return client


def test_staff_log_in_to_the_admin_with_phone_and_password(admin_client):
    response = admin_client.post(
        "/admin/login/?next=/admin/",
        {"username": "0811 0000 0000", "password": "kuat-sekali-2026"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_a_resident_cannot_enter_the_admin(client):
    resident = UserFactory(phone="+6281234567890")
    resident.set_password("kuat-sekali-2026")
    resident.save()

    response = client.post(
        "/admin/login/?next=/admin/", {"username": "081234567890", "password": "kuat-sekali-2026"}
    )

    assert response.status_code == 200  # the form again, with an error
    assert "_auth_user_id" not in client.session


def test_the_user_list_masks_phone_numbers(admin_client):
    admin_client.force_login(User.objects.get(phone="+6281100000000"))
    UserFactory(phone="+6281234567890")

    page = admin_client.get("/admin/accounts/user/").content.decode()

    assert "+62812****7890" in page
    assert "+6281234567890" not in page


def test_staff_find_a_user_by_the_number_as_people_say_it(admin_client):
    admin_client.force_login(User.objects.get(phone="+6281100000000"))
    UserFactory(phone="+6281234567890", name="Siti Rahma")
    UserFactory(phone="+6281298765432", name="Budi")

    page = admin_client.get("/admin/accounts/user/", {"q": "0812-3456-7890"}).content.decode()

    # The result list shows each match's masked phone: Siti's row, and not Budi's.
    assert "+62812****7890" in page
    assert "+62812****5432" not in page


def test_the_admin_is_branded(admin_client):
    admin_client.force_login(User.objects.get(phone="+6281100000000"))

    page = admin_client.get("/admin/").content.decode()

    assert "JAKI" in page


def test_organisations_screen_searches_and_filters(admin_client):
    admin_client.force_login(User.objects.get(phone="+6281100000000"))

    response = admin_client.get("/admin/accounts/organisation/", {"q": "bpbd", "kind": "bpbd"})

    assert response.status_code == 200
