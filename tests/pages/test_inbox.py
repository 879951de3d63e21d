"""The manager's inbox: approvals with approve / reject and a note, their steps, their organisation."""

from offboarding.models import DepartureHistory


def test_manager_sees_the_pending_approval(org, started, client_for):
    body = client_for(org.manager).get("/inbox/").content.decode()
    assert "Erik Employee" in body
    assert f"/departures/{started.pk}/approve/" in body


def test_manager_approves_from_the_inbox_with_a_note(org, started, client_for):
    response = client_for(org.manager).post(f"/departures/{started.pk}/approve/", {"note": "Fine by me"})
    assert response.status_code == 302
    started.refresh_from_db()
    assert started.state == "approved"
    entry = DepartureHistory.objects.filter(departure=started, transition="approve").get()
    assert entry.actor == org.manager and entry.note == "Fine by me"


def test_a_rejection_needs_a_note_and_changes_nothing_without_one(org, started, client_for):
    client = client_for(org.manager)
    response = client.post(f"/departures/{started.pk}/reject/", {"note": ""}, follow=True)
    started.refresh_from_db()
    assert started.state == "notice"
    assert b'class="error"' in response.content
    client.post(f"/departures/{started.pk}/reject/", {"note": "Wrong last day"})
    started.refresh_from_db()
    assert started.state == "notice"  # rejected: the plan goes back to HR, the departure stays in notice
    assert DepartureHistory.objects.filter(departure=started, note="Wrong last day").exists()


def test_another_manager_sees_nothing_of_it(org, started, client_for):
    client = client_for(org.manager2)
    assert "Erik Employee" not in client.get("/inbox/").content.decode()
    assert client.get(f"/departures/{started.pk}/").status_code == 404
    assert client.post(f"/departures/{started.pk}/approve/").status_code == 404
    started.refresh_from_db()
    assert started.state == "notice"
