"""DRF classes named in settings.REST_FRAMEWORK: the JSON parser and the OPTIONS metadata.

Apart from core.api because rest_framework.views reads these settings when it is imported, and core.api
imports it: a settings entry pointing into core.api would be an import cycle in a fresh process."""

from __future__ import annotations

from rest_framework import exceptions, metadata, parsers


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, except that a document nested too deep for the decoder (thousands of brackets)
    is a 400 like any other malformed body, not a RecursionError."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - the document is nested too deeply.") from None


class Metadata(metadata.SimpleMetadata):
    """OPTIONS names the view, its parsers and renderers; the request and response shapes are in the
    OpenAPI schema. DRF's default would also describe writable fields by loading the object, which runs
    the view's lookup and permission code outside its normal path (and failed with a 500)."""

    def determine_actions(self, request, view):
        return {}
