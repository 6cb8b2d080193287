"""Session login, logout and password change pages."""

from django.http import HttpRequest


def test_login_page_logs_in_and_lands_on_dashboard(client, lead, password):
    response = client.post("/accounts/login/", {"username": "lead", "password": password}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "Dashboard" in response.content.decode()


def test_wrong_password_shows_an_error(client, lead):
    response = client.post("/accounts/login/", {"username": "lead", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_logout_needs_post_and_ends_the_session(client, lead):
    client.force_login(lead)
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_password_change_takes_effect(client, lead, password):
    client.force_login(lead)
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": password,
            "new_password1": "a-much-longer-passphrase",
            "new_password2": "a-much-longer-passphrase",
        },
    )
    assert response.status_code == 302
    client.logout()
    assert client.login(request=HttpRequest(), username="lead", password="a-much-longer-passphrase")


def test_vendor_form_rejects_duplicate_name_case_insensitively(client, lead, vendor_a):
    client.force_login(lead)
    response = client.post("/vendors/new/", {"name": "vendor A", "workforce_model": "in_house", "status": "active"})
    assert response.status_code == 200
    assert "A vendor with this name exists." in response.content.decode()
