"""DRF classes named in settings.REST_FRAMEWORK: the JSON parser and renderer, and the OPTIONS metadata.

Apart from core.api because rest_framework.views reads these settings when it is imported, and core.api
imports it: a settings entry pointing into core.api would be an import cycle in a fresh process."""

from __future__ import annotations

import orjson
from rest_framework import exceptions, metadata, parsers, renderers
from rest_framework.utils import encoders


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, except that a document nested too deep for the decoder (thousands of brackets)
    is a 400 like any other malformed body, not a RecursionError."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - the document is nested too deeply.") from None


# DRF's own spelling of what orjson leaves to it: dates and times, decimals, lazy translations, ...
_drf_default = encoders.JSONEncoder().default
# Dates, times and dataclasses are written by DRF's encoder (or refused as DRF refuses them), not orjson.
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
# For a response whose data holds dates and UTC moments as objects (Response.native_moments): orjson
# writes them as DRF's encoder would (ISO 8601, a zero offset as "Z"), without a call back per value.
_NATIVE_MOMENTS_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_PASSTHROUGH_DATACLASS
_LINE_SEPARATORS = (("\u2028".encode(), b"\\u2028"), ("\u2029".encode(), b"\\u2029"))


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON renderer with its compact output written by orjson, several times faster for a page
    of a hundred rows.

    The same document: keys in order, no spaces, UTF-8, U+2028 and U+2029 escaped, and every value
    orjson does not write the same way itself (dates and times, decimals, lazy translations) spelled
    by DRF's encoder. What orjson refuses (an integer beyond 64 bits, a key that is not a string, an
    object DRF's encoder refuses too) and indented output are left to DRF's renderer. Only the spelling of
    floats in exponent form differs (1e-7 for 1e-07), the same numbers; and a NaN, which DRF refuses
    (a 500), would be written null: the API computes none.

    A view whose data holds only dates and aware moments in UTC as objects (the departures list) sets
    `native_moments` on its Response: orjson then writes those itself, in the same spelling."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None or self.ensure_ascii or not self.compact:
            return super().render(data, accepted_media_type, renderer_context)
        if self.get_indent(accepted_media_type, renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        response = (renderer_context or {}).get("response")
        options = _NATIVE_MOMENTS_OPTIONS if getattr(response, "native_moments", False) else _ORJSON_OPTIONS
        try:
            rendered = orjson.dumps(data, default=_drf_default, option=options)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        for raw, escaped in _LINE_SEPARATORS:
            if raw in rendered:
                rendered = rendered.replace(raw, escaped)
        return rendered


class Metadata(metadata.SimpleMetadata):
    """OPTIONS names the view, its parsers and renderers; the request and response shapes are in the
    OpenAPI schema. DRF's default would also describe writable fields by loading the object, which runs
    the view's lookup and permission code outside its normal path (and failed with a 500)."""

    def determine_actions(self, request, view):
        return {}
