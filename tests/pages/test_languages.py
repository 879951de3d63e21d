"""Swedish and English: each person's register language by default, and a switch."""


def test_each_person_sees_their_own_language_by_default(org, started, client_for):
    org.manager_record.language = "sv"
    org.manager_record.save()
    body = client_for(org.manager).get("/inbox/").content.decode()
    assert '<html lang="sv">' in body and "Väntar på ditt godkännande" in body


def test_english_renders_for_an_english_speaker(org, started, client_for):
    org.manager_record.language = "en"
    org.manager_record.save()
    body = client_for(org.manager).get("/inbox/").content.decode()
    assert '<html lang="en">' in body and "Waiting for your approval" in body


def test_the_switch_overrides_the_default(org, started, client_for):
    org.manager_record.language = "sv"
    org.manager_record.save()
    client = client_for(org.manager)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/inbox/"})
    assert response["Location"] == "/inbox/"
    assert "Waiting for your approval" in client.get("/inbox/").content.decode()


def test_sign_in_page_in_swedish(db, client_for):
    body = client_for(language="sv").get("/accounts/login/").content.decode()
    assert "Logga in" in body


def test_step_states_read_in_swedish(org, started, client_for):
    body = client_for(org.manager, language="sv").get(f"/departures/{started.pk}/").content.decode()
    assert "Redo" in body and "Väntar på andra steg" in body
    assert ">ready<" not in body
