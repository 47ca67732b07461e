"""An officer's day in the admin, in a real browser: sign in by phone, find a resident by the
number as people say it (masked on screen), and prove the push set-up with a test push."""

import pytest

from jaki.notifications import services
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "kuat-sekali-2026"


@pytest.fixture
def officer():
    user = UserFactory(phone="+6281100000000", name="Admin JAKI", is_staff=True, is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(page, phone: str = "0811-0000-0000") -> None:
    page.goto("/admin/login/")
    page.fill("input[name=username]", phone)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def test_an_officer_signs_in_and_finds_a_resident_without_seeing_the_number(
    page, officer, tmp_path
):
    UserFactory(phone="+6281234567890", name="Siti Rahma")
    sign_in(page)

    page.goto("/admin/accounts/user/")
    page.fill("#searchbar", "0812 3456 7890")
    page.press("#searchbar", "Enter")

    results = page.locator("#result_list").inner_text()
    assert "Siti Rahma" in results
    assert "+62812****7890" in results
    assert "+6281234567890" not in page.content()
    assert "JAKI" in page.title()
    page.screenshot(path=str(tmp_path / "users.png"), full_page=True)


def test_an_officer_sends_a_test_push_from_the_devices_screen(page, officer):
    services.device_register(user=UserFactory(), token="e2e-phone-token", platform="android")
    sign_in(page)

    page.goto("/admin/notifications/device/")
    page.check("input.action-select")
    page.select_option("select[name=action]", "send_test_push")
    page.click("button[name=index]")

    message = page.locator("ul.messagelist").inner_text()
    assert "1" in message
    assert services.TEST_PUSH_TITLE["id"] and page.url.endswith("/admin/notifications/device/")
