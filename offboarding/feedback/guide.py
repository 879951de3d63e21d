"""The exit-interview guide: its shape, the shipped default (the seed's nine sections in Swedish and English)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.db import transaction
from django.db.models import Max

from core import errors
from offboarding.feedback.models import Guide

DEFAULT_GUIDE_PATH = Path(__file__).resolve().parent / "guides" / "default.json"
LANGUAGES = ("en", "sv")


def guide_validate_content(content) -> dict:
    """Check a guide's shape: sections with unique keys, each with at least one question, texts in en and sv."""
    problems: list[str] = []
    if not isinstance(content, dict) or not isinstance(content.get("sections"), list) or not content["sections"]:
        raise errors.InvalidInput(fields={"content": ["A guide needs a non-empty list of sections."]})
    section_keys: set[str] = set()
    question_keys: set[str] = set()
    for i, section in enumerate(content["sections"]):
        where = f"sections[{i}]"
        if not isinstance(section, dict):
            problems.append(f"{where} must be an object.")
            continue
        key = section.get("key")
        if not isinstance(key, str) or not key.strip():
            problems.append(f"{where}.key is required.")
        elif key in section_keys:
            problems.append(f"{where}.key {key!r} is used twice.")
        else:
            section_keys.add(key)
        problems += _translations(section.get("title"), f"{where}.title")
        questions = section.get("questions")
        if not isinstance(questions, list) or not questions:
            problems.append(f"{where} needs at least one question.")
            continue
        for j, question in enumerate(questions):
            qwhere = f"{where}.questions[{j}]"
            qkey = question.get("key") if isinstance(question, dict) else None
            if not isinstance(qkey, str) or not qkey.strip() or len(qkey) > 80:
                problems.append(f"{qwhere}.key is required (at most 80 characters).")
            elif qkey in question_keys:
                problems.append(f"{qwhere}.key {qkey!r} is used twice.")
            else:
                question_keys.add(qkey)
            problems += _translations(question.get("text") if isinstance(question, dict) else None, f"{qwhere}.text")
    if problems:
        raise errors.InvalidInput(fields={"content": problems})
    return content


def _translations(value, where: str) -> list[str]:
    if not isinstance(value, dict) or any(
        not isinstance(value.get(lang), str) or not value[lang].strip() for lang in LANGUAGES
    ):
        return [f"{where} needs a text in each of {', '.join(LANGUAGES)}."]
    return []


def _digest(content: dict) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def default_guide_content() -> dict:
    return json.loads(DEFAULT_GUIDE_PATH.read_text(encoding="utf-8"))


def guide_install_default(*, guide_model=Guide) -> tuple[object, bool]:
    """Install the shipped guide as a new version unless that exact content is installed already.

    `guide_model` lets the data migration pass its historical model; the logic is the same."""
    content = guide_validate_content(default_guide_content())
    digest = _digest(content)
    with transaction.atomic():
        existing = guide_model.objects.filter(source_digest=digest).order_by("-version").first()
        if existing is not None:
            return existing, False
        latest = guide_model.objects.select_for_update().aggregate(m=Max("version"))["m"] or 0
        guide = guide_model.objects.create(
            version=latest + 1, content=content, source_digest=digest, note="Shipped default guide"
        )
    return guide, True
