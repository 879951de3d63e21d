"""Templates: shipped defaults, validation, versions, choosing the most specific one, the HR API."""

import datetime
import importlib

import pytest
from django.core.management import call_command

from core import errors
from workflows import services as workflow_services
from workflows.defaults import DEFAULT_TEMPLATES
from workflows.models import TemplateVersion, WorkflowTemplate
from workflows.selectors import template_version_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/workflow-templates/"


def steps(*defs):
    return [{"title": d["key"].title(), "assignee_role": "hr", **d} for d in defs]


def test_the_data_migration_installs_a_default_template_per_departure_kind():
    from django.apps import apps

    migration = importlib.import_module("workflows.migrations.0001_initial")
    WorkflowTemplate.objects.all().delete()

    migration.install_default_templates(apps, None)

    kinds = set(WorkflowTemplate.objects.values_list("kind", flat=True))
    assert kinds == {"resignation", "termination", "retirement", "end_of_contract"}
    assert any(
        getattr(op, "code", None) is migration.install_default_templates for op in migration.Migration.operations
    )


def test_installing_defaults_again_changes_nothing(capsys):
    call_command("install_default_templates")

    assert "Installed 0" in capsys.readouterr().out
    assert WorkflowTemplate.objects.count() == len(DEFAULT_TEMPLATES)
    assert TemplateVersion.objects.count() == len(DEFAULT_TEMPLATES)


def test_installing_defaults_restores_a_deleted_one_and_keeps_edits():
    resignation = WorkflowTemplate.objects.get(slug="default-resignation")
    workflow_services.template_version_create(template=resignation, steps=steps({"key": "only"}))
    WorkflowTemplate.objects.filter(slug="default-termination").delete()

    assert workflow_services.templates_install_defaults() == 1
    assert resignation.latest_version().steps[0]["key"] == "only"


@pytest.mark.parametrize("template", DEFAULT_TEMPLATES, ids=lambda t: t["slug"])
def test_every_default_has_the_steps_the_product_promises(template):
    keys = {s["key"] for s in template["steps"]}

    assert {
        "manager_approval",
        "handover_plan",
        "knowledge_transfer",
        "exit_interview",
        "equipment_return",
        "access_revocation",
        "final_pay",
        "reference",
        "follow_up",
    } <= keys


@pytest.mark.parametrize(
    ("bad_steps", "field", "message"),
    [
        (steps({"key": "a", "depends_on": ["ghost"]}), "steps[0].depends_on", "Unknown step key 'ghost'."),
        (steps({"key": "a"}, {"key": "a"}), "steps[1].key", "Duplicate key 'a' (also steps[0])."),
        (
            steps(
                {"key": "a", "depends_on": ["c"]}, {"key": "b", "depends_on": ["a"]}, {"key": "c", "depends_on": ["b"]}
            ),
            "steps",
            "Dependency cycle: a → c → b → a.",
        ),
        (
            steps({"key": "a", "anchor": "step", "anchor_step": "b"}, {"key": "b", "depends_on": ["a"]}),
            "steps",
            "Dependency cycle: a → b → a.",
        ),
        (steps({"key": "a", "assignee_role": "ceo"}), "steps[0].assignee_role", "One of:"),
        (steps({"key": "a", "anchor": "birthday"}), "steps[0].anchor", "One of:"),
        (steps({"key": "a", "depends_on": ["a"]}), "steps[0].depends_on", "A step cannot depend on itself."),
        (steps({"key": "a", "colour": "red"}), "steps[0].colour", "Unknown field."),
        (steps({"key": "a", "depends_on": "b"}, {"key": "b"}), "steps[0].depends_on", "A list of step keys."),
        (steps({"key": "a", "offset_days": 999}), "steps[0].offset_days", "At most 260 business days"),
        (
            steps({"key": "x"}, {"key": "b", "depends_on": ["c"]}, {"key": "c", "anchor": "step", "anchor_step": "b"}),
            "steps",
            "Dependency cycle: b → c → b.",
        ),
    ],
    ids=[
        "unknown-dependency",
        "duplicate-key",
        "cycle",
        "cycle-through-anchor",
        "bad-role",
        "bad-anchor",
        "self",
        "unknown-field",
        "not-a-list",
        "offset-too-far",
        "cycle-after-a-free-step",
    ],
)
def test_a_bad_template_is_refused_with_a_field_error(org, api, bad_steps, field, message):
    response = api(org.hr).post(URL, {"name": "Bad", "kind": "resignation", "steps": bad_steps}, format="json")

    assert response.status_code == 400, response.data
    assert any(text.startswith(message) for text in response.data["fields"][field]), response.data


def test_every_bad_step_is_reported_at_once():
    with pytest.raises(errors.InvalidInput) as caught:
        workflow_services.template_create(
            name="Two faults",
            kind="resignation",
            steps=steps({"key": "a", "assignee_role": "ceo"}, {"key": "b", "depends_on": ["ghost"]}),
        )

    assert set(caught.value.fields) == {"steps[0].assignee_role", "steps[1].depends_on"}


def test_an_empty_step_list_is_refused(org, api):
    response = api(org.hr).post(URL, {"name": "Empty", "kind": "resignation", "steps": []}, format="json")

    assert response.status_code == 400
    assert "steps" in response.data["fields"]


def test_hr_creates_a_template_as_version_one(org, api):
    response = api(org.hr).post(
        URL,
        {"name": "Sales leavers", "kind": "resignation", "department": "Sales", "steps": steps({"key": "crm"})},
        format="json",
    )

    assert response.status_code == 201, response.data
    assert response.data["current_version"]["number"] == 1
    assert response.data["current_version"]["steps"][0]["offset_days"] == 0


def test_editing_steps_writes_a_new_version_and_running_workflows_keep_theirs(org, api, start_departure):
    departure = start_departure()
    template = WorkflowTemplate.objects.get(slug="default-resignation")

    response = api(org.hr).patch(f"{URL}{template.pk}/", {"steps": steps({"key": "only"})}, format="json")

    assert response.status_code == 200, response.data
    assert response.data["current_version"]["number"] == 2
    departure.workflow.refresh_from_db()
    assert departure.workflow.template_version.number == 1
    assert departure.workflow.steps.count() == 14
    later = start_departure(employee=org.manager2_record)
    assert list(later.workflow.steps.values_list("key", flat=True)) == ["only"]


def test_a_refused_edit_keeps_the_current_version(org, api):
    template = WorkflowTemplate.objects.get(slug="default-resignation")

    response = api(org.hr).patch(
        f"{URL}{template.pk}/", {"steps": steps({"key": "a", "depends_on": ["b"]})}, format="json"
    )

    assert response.status_code == 400
    assert template.versions.count() == 1


def test_versions_are_listed_newest_first(org, api):
    template = WorkflowTemplate.objects.get(slug="default-resignation")
    workflow_services.template_version_create(template=template, steps=steps({"key": "x"}), note="trial")

    response = api(org.hr).get(f"{URL}{template.pk}/versions/")

    assert [v["number"] for v in response.data["results"]] == [2, 1]


@pytest.mark.parametrize("who", ["manager", "employee", "it", "interviewer"])
def test_only_hr_manages_templates(org, api, who):
    assert api(getattr(org, who)).get(URL).status_code == 403


def test_the_most_specific_template_wins():
    workflow_services.template_create(name="SE", kind="resignation", country="SE", steps=steps({"key": "se"}))
    workflow_services.template_create(
        name="SE sales", kind="resignation", country="SE", department="Sales", steps=steps({"key": "se_sales"})
    )
    workflow_services.template_create(name="Sales", kind="resignation", department="Sales", steps=steps({"key": "s"}))

    def first_key(**kw):
        return template_version_for(kind="resignation", **kw).steps[0]["key"]

    assert first_key(country="SE", department="Sales") == "se_sales"
    assert first_key(country="SE", department="Engineering") == "se"
    assert first_key(country="NO", department="Sales") == "s"
    assert first_key(country="NO", department="Engineering") == "manager_approval"


def test_an_inactive_template_is_not_chosen(org, start_departure):
    WorkflowTemplate.objects.filter(kind="retirement").update(is_active=False)

    departure = start_departure(kind="retirement")

    assert departure.workflow is None


def test_a_departure_of_a_kind_starts_that_kinds_checklist(org, start_departure):
    departure = start_departure(kind="termination")

    keys = set(departure.workflow.steps.values_list("key", flat=True))
    assert "termination_documents" in keys
    assert "farewell" not in keys


def test_template_errors_are_invalid_input_for_services():
    with pytest.raises(errors.InvalidInput):
        workflow_services.template_create(name="x", kind="resignation", steps=[{"key": "Bad Key"}])


def test_start_with_unknown_anchor_is_refused():
    version = TemplateVersion.objects.first()

    with pytest.raises(errors.InvalidInput):
        workflow_services.workflow_start(
            template_version=version,
            anchors={"birthday": datetime.date(2026, 1, 1)},
            country="SE",
            time_zone="Europe/Stockholm",
        )


def test_the_admin_saves_edited_steps_as_a_new_version(org, client):
    org.hr.is_staff = org.hr.is_superuser = True
    org.hr.save()
    client.force_login(org.hr)
    template = WorkflowTemplate.objects.get(slug="default-retirement")

    response = client.post(
        f"/admin/workflows/workflowtemplate/{template.pk}/change/",
        {
            "slug": template.slug,
            "name": template.name,
            "kind": template.kind,
            "country": "",
            "department": "",
            "is_active": "on",
            "steps": '[{"key": "one", "title": "One", "assignee_role": "hr"}]',
            "version_note": "simpler",
            "versions-TOTAL_FORMS": "0",
            "versions-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content[:2000]
    assert template.latest_version().number == 2
    assert template.latest_version().note == "simpler"


def test_the_admin_refuses_a_cycle(org, client):
    org.hr.is_staff = org.hr.is_superuser = True
    org.hr.save()
    client.force_login(org.hr)
    template = WorkflowTemplate.objects.get(slug="default-retirement")
    cycle = '[{"key": "a", "title": "A", "assignee_role": "hr", "depends_on": ["a"]}]'

    response = client.post(
        f"/admin/workflows/workflowtemplate/{template.pk}/change/",
        {
            "slug": template.slug,
            "name": template.name,
            "kind": template.kind,
            "steps": cycle,
            "versions-TOTAL_FORMS": "0",
            "versions-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "cannot depend on itself" in response.content.decode()
    assert template.latest_version().number == 1


def test_options_on_a_template_describes_it_rather_than_failing(org, api):
    # Found by fuzzing the API from its schema (make faults): OPTIONS answered 500 here.
    template = WorkflowTemplate.objects.first()

    response = api(org.hr).options(f"{URL}{template.pk}/")

    assert response.status_code == 200 and response.json()["name"] == "Template Detail Api"
