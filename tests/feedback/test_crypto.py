"""Encryption at rest: AES-GCM bound to table, row and field; a versioned key ring; loud failures;
rotation to the newest key in resumable batches."""

import base64
import io

import pytest
from django.core.management import call_command

from core import errors
from offboarding.actions import answers
from offboarding.feedback import crypto, selectors
from offboarding.feedback.models import Answer, InterviewResponse
from tests.helpers import SECRET, SECRET_NOTE

KEY1 = "1:" + base64.b64encode(b"k" * 32).decode()
KEY2 = "2:" + base64.b64encode(b"z" * 32).decode()
WHERE = {"table": "feedback_answer", "row": "7b2c", "field": "text"}


@pytest.fixture
def ring(settings):
    settings.CONFIDENTIAL_KEYS = KEY1
    return settings


def test_round_trip_records_the_key_version(ring):
    stored = crypto.encrypt("hello", **WHERE)
    assert stored.startswith("k1:") and "hello" not in stored
    assert crypto.decrypt(stored, **WHERE) == "hello"


def test_the_same_text_encrypts_differently_each_time(ring):
    assert crypto.encrypt("hello", **WHERE) != crypto.encrypt("hello", **WHERE)


@pytest.mark.parametrize("change", [{"row": "other"}, {"field": "notes"}, {"table": "feedback_followupsurvey"}])
def test_ciphertext_is_bound_to_table_row_and_field(ring, change):
    stored = crypto.encrypt("hello", **WHERE)
    with pytest.raises(crypto.ConfidentialDataError):
        crypto.decrypt(stored, **{**WHERE, **change})


def test_an_unknown_key_version_fails_loudly(ring):
    stored = crypto.encrypt("hello", **WHERE)
    ring.CONFIDENTIAL_KEYS = KEY2
    with pytest.raises(crypto.ConfidentialDataError, match="version 1"):
        crypto.decrypt(stored, **WHERE)


@pytest.mark.parametrize("stored", ["hello", "k1:not base64!", "k1:" + base64.b64encode(b"short").decode()])
def test_garbage_is_never_returned_as_plaintext(ring, stored):
    with pytest.raises(crypto.ConfidentialDataError):
        crypto.decrypt(stored, **WHERE)


def test_keys_do_not_come_from_the_secret_key(ring):
    stored = crypto.encrypt("hello", **WHERE)
    ring.SECRET_KEY = "something-else-entirely-" * 3
    assert crypto.decrypt(stored, **WHERE) == "hello"


@pytest.mark.parametrize("spec", ["", "1:" + base64.b64encode(b"short").decode(), "x:abc", f"{KEY1},{KEY1}", "1:@@@"])
def test_a_bad_key_ring_is_a_configuration_error(settings, spec):
    settings.CONFIDENTIAL_KEYS = spec
    with pytest.raises(errors.ConfigurationError):
        crypto.encrypt("hello", **WHERE)


def test_the_highest_version_encrypts_and_every_listed_version_decrypts(ring):
    old = crypto.encrypt("hello", **WHERE)
    ring.CONFIDENTIAL_KEYS = f"{KEY2},{KEY1}"
    assert crypto.encrypt("hello", **WHERE).startswith("k2:")
    assert crypto.decrypt(old, **WHERE) == "hello"


@pytest.mark.django_db
def test_rotation_re_encrypts_every_column_to_the_newest_key(answered, org, settings):
    settings.CONFIDENTIAL_KEYS = "1:dGVzdC1rZXktb25lLTMyLWJ5dGVzLWxvbmctLS0tLS0=," + KEY2
    before = selectors.interview_response_read(interview=answered, user=org.interviewer, purpose="test")
    assert before["notes"] == SECRET_NOTE  # the old key still decrypts before rotation
    out = io.StringIO()
    call_command("rotate_confidential_keys", "--batch-size", "1", stdout=out)
    assert "feedback.Answer.text: 2/2" in out.getvalue()
    assert all(a.text.startswith("k2:") for a in Answer.objects.all())
    assert InterviewResponse.objects.get().notes.startswith("k2:")
    settings.CONFIDENTIAL_KEYS = KEY2  # the old key can now be dropped
    after = selectors.interview_response_read(interview=answered, user=org.interviewer, purpose="test")
    assert SECRET in {a["text"] for a in after["answers"]} and after["notes"] == SECRET_NOTE


@pytest.mark.django_db
def test_rotation_resumes_where_it_stopped(answered, settings):
    settings.CONFIDENTIAL_KEYS = "1:dGVzdC1rZXktb25lLTMyLWJ5dGVzLWxvbmctLS0tLS0=," + KEY2
    count, _ = answers.confidential_rotate_batch(model=Answer, field="text", batch_size=1)
    assert count == 1
    assert answers.confidential_pending_rotation(model=Answer, field="text") == 1
    call_command("rotate_confidential_keys", stdout=io.StringIO())
    assert answers.confidential_pending_rotation(model=Answer, field="text") == 0
