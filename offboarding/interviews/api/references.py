"""References: HR offers one per case, the employee accepts (API or signed email link), the manager
submits the text, which is emailed to the employee."""

from __future__ import annotations

import datetime

from django.http import HttpResponse
from django.template import engines
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core import errors
from core.api import BodySerializer, EmptyBody
from offboarding import access
from offboarding import selectors as departure_selectors
from offboarding.actions import references as reference_actions
from offboarding.interviews import references
from offboarding.interviews.models import ReferenceOffer, ReferenceState


class ReferenceOutputSerializer(serializers.ModelSerializer):
    due_date = serializers.SerializerMethodField()

    class Meta:
        model = ReferenceOffer
        fields = ["id", "departure", "state", "offered_at", "accepted_at", "delivered_at", "due_date", "text"]
        read_only_fields = fields

    def get_due_date(self, obj) -> datetime.date | None:
        return obj.step.due_date if obj.step_id else None

    def to_representation(self, instance):
        data = super().to_representation(instance)
        user = self.context["request"].user
        # The text is the employee's once delivered; the writer and HR see it too.
        if not (
            access.is_hr(instance.departure, user)
            or instance.written_by_id == getattr(user, "pk", None)
            or (access.is_subject(instance.departure, user) and instance.state == ReferenceState.DELIVERED)
        ):
            data.pop("text", None)
        return data


def _data(offer, request):
    offer = ReferenceOffer.objects.select_related("departure__employee", "step").get(pk=offer.pk)
    return ReferenceOutputSerializer(offer, context={"request": request}).data


class DepartureReferenceApi(APIView):
    """The departure's reference: GET it (HR, the employee, their managers); POST (HR) offers one now,
    whatever the default policy (voluntary leavers eligible for rehire) says."""

    @extend_schema(responses=ReferenceOutputSerializer)
    def get(self, request, pk: int):
        departure = departure_selectors.departure_get(user=request.user, pk=pk)
        offer = ReferenceOffer.objects.filter(departure=departure).first()
        if offer is None or not references.reference_visibility(offer=offer, user=request.user):
            raise errors.NotFound("No reference for this departure.")
        return Response(_data(offer, request))

    @extend_schema(request=EmptyBody, responses={201: ReferenceOutputSerializer})
    def post(self, request, pk: int):
        departure = departure_selectors.departure_get(user=request.user, pk=pk)
        EmptyBody(data=request.data).is_valid(raise_exception=True)
        offer = reference_actions.reference_offer_by_hr(departure=departure, actor=request.user)
        return Response(_data(offer, request), status=status.HTTP_201_CREATED)


class ReferenceDetailApi(APIView):
    """One reference offer and its state; the due date of the manager's step once accepted."""

    @extend_schema(responses=ReferenceOutputSerializer)
    def get(self, request, pk: int):
        return Response(_data(references.reference_get(user=request.user, pk=pk), request))


class ReferenceAcceptApi(APIView):
    """The employee accepts the reference offer; the manager gets a "write reference" step."""

    @extend_schema(request=EmptyBody, responses=ReferenceOutputSerializer)
    def post(self, request, pk: int):
        offer = references.reference_get(user=request.user, pk=pk)
        EmptyBody(data=request.data).is_valid(raise_exception=True)
        offer = reference_actions.reference_offer_accept(offer=offer, actor=request.user)
        return Response(_data(offer, request))


class ReferenceSubmitInputSerializer(BodySerializer):
    text = serializers.CharField(max_length=20000)


class ReferenceSubmitApi(APIView):
    """The manager (or HR) submits the reference text; it is emailed to the employee."""

    @extend_schema(request=ReferenceSubmitInputSerializer, responses=ReferenceOutputSerializer)
    def post(self, request, pk: int):
        offer = references.reference_get(user=request.user, pk=pk)
        data = ReferenceSubmitInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        offer = reference_actions.reference_submit(offer=offer, actor=request.user, text=data.validated_data["text"])
        return Response(_data(offer, request))


PAGE = engines["django"].from_string(
    """{% load static %}<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ title }}</title>
<link rel="stylesheet" href="{% static 'pages/site.css' %}"></head>
<body><header class="top"><div class="bar"><a class="brand" href="/">Offboarding</a></div></header>
<main id="main"><h1>{{ title }}</h1><div class="card"><p>{{ message }}</p>
{% if can_accept %}<form method="post"><button type="submit">Yes, I would like a reference</button></form>{% endif %}
</div></main></body></html>"""
)


@method_decorator(csrf_exempt, name="dispatch")
class ReferenceAcceptLinkView(View):
    """The signed link from the offer email. GET shows the offer with a button (so link scanners in
    mail systems accept nothing); POST accepts. A used or expired link says so and changes nothing."""

    def _page(self, title: str, message: str, *, can_accept: bool = False, status_code: int = 200):
        body = PAGE.render({"title": title, "message": message, "can_accept": can_accept})
        return HttpResponse(body, status=status_code)

    def _offer(self, token: str):
        try:
            return references.offer_from_token(token), None
        except errors.ApplicationError as exc:
            return None, self._page("Reference", exc.message, status_code=exc.status)

    def get(self, request, token: str):
        offer, problem = self._offer(token)
        if problem:
            return problem
        if offer.state != ReferenceState.OFFERED:
            return self._page("Reference", "You have already accepted this offer; nothing more to do.")
        return self._page("Reference", "Would you like a reference from your manager?", can_accept=True)

    def post(self, request, token: str):
        offer, problem = self._offer(token)
        if problem:
            return problem
        try:
            reference_actions.reference_offer_accept(offer=offer)
        except errors.ApplicationError as exc:
            return self._page("Reference", exc.message, status_code=exc.status)
        return self._page("Reference accepted", "Thank you. Your manager has been asked to write your reference.")
