"""The reference: the leaver accepts the offer on their page, the manager writes it on theirs."""

from offboarding.actions import references as reference_actions


def test_leaver_accepts_and_the_manager_writes_the_reference(org, interview, client_for):
    offer = reference_actions.reference_offer_by_hr(departure=interview.departure, actor=org.hr)
    leaver = client_for(org.employee, language="en")
    assert f"/references/{offer.pk}/accept/" in leaver.get("/me/").content.decode()
    leaver.post(f"/references/{offer.pk}/accept/")
    offer.refresh_from_db()
    assert offer.state == "accepted"

    manager = client_for(org.manager)
    assert manager.get(f"/references/{offer.pk}/write/").status_code == 200
    assert client_for(org.manager2).get(f"/references/{offer.pk}/write/").status_code == 404
    assert leaver.get(f"/references/{offer.pk}/write/").status_code == 404
    manager.post(f"/references/{offer.pk}/write/", {"text": "Erik was a careful engineer."})
    offer.refresh_from_db()
    assert offer.state == "delivered" and offer.written_by == org.manager
    assert offer.text == "Erik was a careful engineer."


def test_another_leaver_cannot_accept_it(org, interview, client_for):
    offer = reference_actions.reference_offer_by_hr(departure=interview.departure, actor=org.hr)
    assert client_for(org.outsider).post(f"/references/{offer.pk}/accept/").status_code == 404
    offer.refresh_from_db()
    assert offer.state == "offered"
