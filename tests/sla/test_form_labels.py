"""Form labels a lead understands: measures by name, units in the label, checkboxes beside their labels."""

import re

from vendorscore.constants import Role


def test_terms_form_labels_name_the_measure_and_its_unit(client, lead, contract_a):
    client.force_login(lead)
    page = client.get(f"/contracts/{contract_a.pk}/terms/new/").content.decode()
    for label in ("IAA coefficient", "Minimum IAA (target)", "AQL (% defective)", "Accuracy floor (share, 0–1)"):
        assert f">{label}</label>" in page
    labels = re.findall(r"<label[^>]*>([^<]+)</label>", page)
    assert not [label for label in labels if re.search(r"\bIaa\b|\bAql\b|_", label)], labels


def test_notification_checkboxes_sit_inside_their_labels(client, users):
    client.force_login(users[Role.VENDOR])
    page = client.get("/notifications/preferences/").content.decode()
    assert re.search(r'<label for="id_reminders"><input type="checkbox" name="reminders"[^>]*> Reminders</label>', page)
