"""The API's JSON is written by orjson: every document must be the one DRF's renderer writes."""

import collections
import datetime
import decimal
import json
import uuid

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer

from core.drf import JSONRenderer

VALUES = {
    "text": 'Åsa Öberg — 東京 \u2028 line \u2029 paragraph "quoted" \\ </script>',
    "moment": datetime.datetime(2026, 12, 1, 10, 30, 5, 123456, tzinfo=datetime.UTC),
    "offset": datetime.datetime(2026, 12, 1, 10, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=1))),
    "naive": datetime.datetime(2026, 12, 1, 10, 30),
    "date": datetime.date(2026, 12, 18),
    "time": datetime.time(9, 0, 0, 1500),
    "duration": datetime.timedelta(days=1, seconds=3),
    "decimal": decimal.Decimal("12.50"),
    "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "lazy": gettext_lazy("Done"),
    "numbers": [0, -1, 2**63 - 1, 0.1, 2.5, 1234.5678, True, False, None],
    "ordered": collections.OrderedDict([("b", 1), ("a", [])]),
    "set": {3},
    "nested": {"rows": [{"id": 1, "tags": ("x", "y")}]},
}


@pytest.mark.parametrize("key", list(VALUES))
def test_each_kind_of_value_is_written_as_drf_writes_it(key):
    data = {key: VALUES[key]}
    assert JSONRenderer().render(data) == DRFJSONRenderer().render(data)


def test_very_large_and_small_floats_are_the_same_numbers():
    # The one difference in spelling: orjson writes 1e-7 and 1e16 where Python writes 1e-07 and 1e+16.
    data = {"floats": [1e-07, 1e16, -3.5e300, 5e-324]}
    assert json.loads(JSONRenderer().render(data)) == json.loads(DRFJSONRenderer().render(data)) == data


@pytest.mark.parametrize("data", [{"big": 2**70}, {1: "int key"}, None, []])
def test_what_orjson_refuses_or_does_not_render_is_left_to_drf(data):
    assert JSONRenderer().render(data) == DRFJSONRenderer().render(data)


def test_indented_output_is_drfs(org, api):
    client = api(org.hr)

    response = client.get("/api/v1/me/", HTTP_ACCEPT="application/json; indent=2")

    assert response.content == DRFJSONRenderer().render(response.data, "application/json; indent=2")
    assert response.content.startswith(b'{\n  "id"')


def test_the_api_answers_with_this_renderer(org, api):
    response = api(org.hr).get("/api/v1/me/")

    assert response["Content-Type"] == "application/json"
    assert isinstance(response.accepted_renderer, JSONRenderer)
    assert response.content == DRFJSONRenderer().render(response.data)


def test_a_response_with_native_moments_is_written_as_drf_writes_them():
    class Response:
        native_moments = True

    rows = [
        {
            "moment": datetime.datetime(2026, 12, 1, 10, 30, 5, 123456, tzinfo=datetime.UTC),
            "whole_second": datetime.datetime(2026, 12, 1, 10, 30, 5, tzinfo=datetime.UTC),
            "small_fraction": datetime.datetime(2026, 12, 1, 10, 30, 5, 1200, tzinfo=datetime.UTC),
            "date": datetime.date(2026, 12, 18),
            "none": None,
        }
    ]

    native = JSONRenderer().render(rows, renderer_context={"response": Response()})

    assert native == DRFJSONRenderer().render(rows)
    assert b'"whole_second":"2026-12-01T10:30:05Z"' in native
