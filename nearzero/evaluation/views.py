"""Evaluation pages: parse → scope → service or selector → render.

Staff of a community read its assessments and action plan; those who manage it (its
admins, the district's officers) enter values and evidence, submit, reopen and keep the
action plan. Officers and the platform administrator add standards.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nearzero.accounts import scope
from nearzero.accounts.decorators import staff_required
from nearzero.core.errors import DomainError
from nearzero.core.evaluation import StandardError
from nearzero.web.forms import add_domain_error

from . import forms, selectors, services, sources
from .choices import TaskStatus
from .models import Assessment, Evidence, Minutes, Submission, Task

#: The page each domain's measures come from (the indicator links to it).
DOMAIN_PAGES = {
    "inventory": "inventory:list",
    "energy": "energy:overview",
    "engagement": "engagement:overview",
    "points": "points:overview",
    "circle": "circle:overview",
}


def _community(request, slug: str):
    return scope.get_or_404(scope.communities_for(request.user).select_related("region"), slug=slug)


def _managed(request, slug: str):
    return scope.get_or_404(scope.manageable_communities(request.user), slug=slug)


def _can_manage(request, community) -> bool:
    return scope.manageable_communities(request.user).filter(pk=community.pk).exists()


def _can_add_standards(user) -> bool:
    return user.is_superuser or scope.manageable_regions(user).exists()


def _year(request, community) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return selectors.default_year(community)
    return year if 2000 <= year <= 2100 else selectors.default_year(community)


@staff_required
def index(request, slug: str):
    community = _community(request, slug)
    year = _year(request, community)
    contexts: dict = {}
    assessed = {
        a["standard_id"]: a for a in selectors.assessments(community, year, contexts=contexts)
    }
    context = contexts.setdefault(year, sources.Context(community, year))
    rows = []
    for entry in selectors.standard_entries():
        standard = entry.standard
        if community.pilot_type not in standard.community_types:
            continue
        found = assessed.get(standard.id)
        evaluation = (
            found["evaluation"]
            if found
            else selectors.live_evaluation(community, standard, year, context=context)
        )
        rows.append(
            {
                "standard": standard,
                "name": standard.name.get(request.LANGUAGE_CODE),
                "assessment": found["assessment"] if found else None,
                "evaluation": evaluation,
                "gaps": [selectors.gap_sentence(r) for r in evaluation.gaps],
            }
        )
    years = sorted(
        set(Assessment.objects.filter(community=community).values_list("year", flat=True)) | {year},
        reverse=True,
    )
    return render(
        request,
        "evaluation/index.html",
        {
            "community": community,
            "tab": "index",
            "year": year,
            "years": years,
            "rows": rows,
            "plan": selectors.action_plan(community),
            "can_manage": _can_manage(request, community),
        },
    )


def _indicator_rows(evaluation, assessment, language: str):
    evidence = selectors.evidence_by_indicator(assessment)
    manual = selectors.manual_rows(assessment)
    rows = []
    for r in evaluation.indicators:
        domain = r.source.split(".", 1)[0] if r.source != "manual" else ""
        rows.append(
            {
                "r": r,
                "name": selectors.indicator_name(r),
                "group": (r.group_en if language.startswith("en") and r.group_en else r.group_zh),
                "value_text": selectors.format_value(r.value, r.unit, r.kind),
                "threshold_text": selectors.threshold_text(r),
                "domain_page": DOMAIN_PAGES.get(domain),
                "manual": r.source == "manual",
                "evidence": evidence.get(r.id, []),
                "entered": manual.get(r.id),
            }
        )
    return rows


@staff_required
def assessment(request, slug: str, standard_id: str, year: int):
    community = _community(request, slug)
    try:
        standard = selectors.get_standard(standard_id)
    except LookupError:
        raise Http404 from None
    if community.pilot_type not in standard.community_types:
        raise Http404
    found = (
        Assessment.objects.filter(community=community, standard=standard.id, year=year)
        .prefetch_related("manual_values", "evidence")
        .first()
    )
    evaluation = selectors.evaluation_for(community, standard.id, year)
    can_manage = _can_manage(request, community)
    return render(
        request,
        "evaluation/assessment.html",
        {
            "community": community,
            "tab": "index",
            "standard": standard,
            "standard_name": standard.name.get(request.LANGUAGE_CODE),
            "year": year,
            "assessment": found,
            "evaluation": evaluation,
            "rows": _indicator_rows(evaluation, found, request.LANGUAGE_CODE),
            "gaps": [selectors.gap_sentence(r) for r in evaluation.gaps],
            "history": selectors.submissions(community, standard.id, year),
            "can_manage": can_manage,
            "can_edit": can_manage and found is not None and not found.frozen,
            "submit_form": forms.SubmitForm(),
            "reopen_form": forms.ReopenForm(),
        },
    )


def _assessment_url(a: Assessment) -> str:
    return reverse(
        "evaluation:assessment",
        kwargs={"slug": a.community.slug, "standard_id": a.standard, "year": a.year},
    )


def _managed_assessment(request, slug: str, standard_id: str, year: int) -> Assessment:
    community = _managed(request, slug)
    return scope.get_or_404(
        Assessment.objects.select_related("community"),
        community=community,
        standard=standard_id,
        year=year,
    )


def _report_error(request, exc: DomainError) -> None:
    messages.error(request, exc.message)


@staff_required
@require_POST
def start(request, slug: str, standard_id: str, year: int):
    community = _managed(request, slug)
    try:
        found = services.start_assessment(
            actor=request.user, community=community, standard_id=standard_id, year=year
        )
    except DomainError as exc:
        if exc.code == "unknown_standard":
            raise Http404 from None
        _report_error(request, exc)
        return redirect("evaluation:index", slug=slug)
    return redirect(_assessment_url(found))


@staff_required
@require_POST
def enter_value(request, slug: str, standard_id: str, year: int):
    found = _managed_assessment(request, slug, standard_id, year)
    form = forms.ManualValueForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        value = data["value"].strip()
        lowered = value.lower()
        if lowered in ("yes", "true", "是"):
            value = True
        elif lowered in ("no", "false", "否"):
            value = False
        try:
            services.set_manual_value(
                actor=request.user,
                assessment=found,
                indicator_id=data["indicator"],
                value=value,
                note=data["note"],
            )
            messages.success(request, _("Value saved."))
        except DomainError as exc:
            _report_error(request, exc)
    else:
        messages.error(request, _("Enter a value."))
    return redirect(_assessment_url(found) + f"#ind-{request.POST.get('indicator', '')}")


@staff_required
@require_POST
def add_evidence(request, slug: str, standard_id: str, year: int):
    found = _managed_assessment(request, slug, standard_id, year)
    form = forms.EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            _row, created = services.add_evidence(
                actor=request.user,
                assessment=found,
                indicator_id=form.cleaned_data["indicator"],
                title=form.cleaned_data["title"],
                data=upload.read(),
                filename=upload.name,
            )
            messages.success(
                request, _("Evidence attached.") if created else _("This file is already attached.")
            )
        except DomainError as exc:
            _report_error(request, exc)
    else:
        messages.error(request, _("Choose a file."))
    return redirect(_assessment_url(found) + f"#ind-{request.POST.get('indicator', '')}")


@staff_required
@require_POST
def submit(request, slug: str, standard_id: str, year: int):
    found = _managed_assessment(request, slug, standard_id, year)
    form = forms.SubmitForm(request.POST)
    if form.is_valid():
        try:
            submission = services.submit(
                actor=request.user,
                assessment=found,
                stage=form.cleaned_data["stage"],
                note=form.cleaned_data["note"],
            )
            messages.success(
                request,
                _("Submission {number} saved; the assessment is frozen.").format(
                    number=submission.number
                ),
            )
        except DomainError as exc:
            _report_error(request, exc)
    return redirect(_assessment_url(found))


@staff_required
@require_POST
def reopen(request, slug: str, standard_id: str, year: int):
    found = _managed_assessment(request, slug, standard_id, year)
    form = forms.ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.reopen(
                actor=request.user, assessment=found, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("The assessment is open again."))
        except DomainError as exc:
            _report_error(request, exc)
    else:
        messages.error(request, _("Say why the assessment is reopened."))
    return redirect(_assessment_url(found))


@staff_required
def submission(request, pk: int):
    row = scope.get_or_404(
        Submission.objects.select_related("assessment__community", "submitted_by"),
        pk=pk,
        assessment__community__in=scope.communities_for(request.user),
    )
    evaluation = selectors.from_snapshot(row.snapshot)
    community = row.assessment.community
    try:
        standard_name = selectors.get_standard(row.assessment.standard).name.get(
            request.LANGUAGE_CODE
        )
    except LookupError:
        standard_name = row.assessment.standard
    return render(
        request,
        "evaluation/submission.html",
        {
            "community": community,
            "tab": "index",
            "submission": row,
            "standard_name": standard_name,
            "evaluation": evaluation,
            "rows": _indicator_rows(evaluation, None, request.LANGUAGE_CODE),
            "gaps": [selectors.gap_sentence(r) for r in evaluation.gaps],
        },
    )


@staff_required
def evidence_file(request, pk: int):
    row = scope.get_or_404(
        Evidence.objects.select_related("assessment"),
        pk=pk,
        assessment__community__in=scope.communities_for(request.user),
    )
    return FileResponse(
        row.file.open("rb"), as_attachment=True, filename=row.file.name.split("/")[-1]
    )


# --- action plan --------------------------------------------------------------------------


def _indicator_choices(community) -> list[tuple[str, str]]:
    out = []
    for entry in selectors.standard_entries():
        standard = entry.standard
        if community.pilot_type not in standard.community_types:
            continue
        for ind in standard.applicable(community.pilot_type):
            out.append((f"{standard.id}:{ind.id}", f"{standard.id} · {ind.name.zh}"))
    return out


@staff_required
def plan(request, slug: str):
    community = _community(request, slug)
    can_manage = _can_manage(request, community)
    task_form = project_form = minutes_form = None
    if can_manage:
        task_form = forms.TaskForm(
            community=community, indicators=_indicator_choices(community), prefix="task"
        )
        project_form = forms.ProjectForm(community=community, prefix="project")
        minutes_form = forms.MinutesForm(prefix="minutes")
    if request.method == "POST":
        if not can_manage:
            raise Http404
        kind = request.POST.get("form")
        try:
            if kind == "task":
                task_form = forms.TaskForm(
                    request.POST,
                    community=community,
                    indicators=_indicator_choices(community),
                    prefix="task",
                )
                if task_form.is_valid():
                    services.save_task(
                        actor=request.user, community=community, **task_form.cleaned_data
                    )
                    messages.success(request, _("Task added."))
                    return redirect("evaluation:plan", slug=slug)
            elif kind == "project":
                project_form = forms.ProjectForm(
                    request.POST, community=community, prefix="project"
                )
                if project_form.is_valid():
                    services.save_project(
                        actor=request.user, community=community, **project_form.cleaned_data
                    )
                    messages.success(request, _("Project added."))
                    return redirect("evaluation:plan", slug=slug)
            elif kind == "minutes":
                minutes_form = forms.MinutesForm(request.POST, request.FILES, prefix="minutes")
                if minutes_form.is_valid():
                    data = dict(minutes_form.cleaned_data)
                    upload = data.pop("file")
                    services.add_minutes(
                        actor=request.user,
                        community=community,
                        data=upload.read() if upload else None,
                        filename=upload.name if upload else "",
                        **data,
                    )
                    messages.success(request, _("Minutes kept."))
                    return redirect("evaluation:plan", slug=slug)
        except DomainError as exc:
            form = {"task": task_form, "project": project_form, "minutes": minutes_form}.get(kind)
            if form is not None:
                add_domain_error(form, exc)
    return render(
        request,
        "evaluation/plan.html",
        {
            "community": community,
            "tab": "plan",
            "plan": selectors.action_plan(community),
            "today": timezone.localdate(),
            "can_manage": can_manage,
            "task_form": task_form,
            "project_form": project_form,
            "minutes_form": minutes_form,
            "statuses": TaskStatus.choices,
        },
    )


@staff_required
@require_POST
def task_status(request, slug: str, pk: int):
    community = _managed(request, slug)
    task = scope.get_or_404(Task.objects.all(), pk=pk, community=community)
    form = forms.TaskStatusForm(request.POST)
    if form.is_valid():
        services.save_task(
            actor=request.user,
            community=community,
            task=task,
            title=task.title,
            status=form.cleaned_data["status"],
            owner_site=task.owner_site,
            owner=task.owner,
            due_date=task.due_date,
            indicator_ref=task.indicator_ref,
            note=task.note,
        )
    return redirect(reverse("evaluation:plan", kwargs={"slug": slug}) + f"#task-{task.pk}")


@staff_required
def minutes_file(request, slug: str, pk: int):
    community = _community(request, slug)
    row = scope.get_or_404(Minutes.objects.all(), pk=pk, community=community)
    if not row.file:
        raise Http404
    return FileResponse(
        row.file.open("rb"), as_attachment=True, filename=row.file.name.split("/")[-1]
    )


# --- standards ----------------------------------------------------------------------------


@staff_required
def standards(request):
    can_add = _can_add_standards(request.user)
    form = forms.StandardUploadForm()
    if request.method == "POST":
        if not can_add:
            raise Http404
        form = forms.StandardUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                row, created = services.add_standard(
                    actor=request.user, data=upload.read(), filename=upload.name
                )
            except StandardError as exc:
                form.add_error("file", str(exc))
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Standard {id} added.").format(id=row.code)
                    if created
                    else _("Standard {id} is unchanged.").format(id=row.code),
                )
                return redirect("evaluation:standard", standard_id=row.code)
    return render(
        request,
        "evaluation/standards.html",
        {"standards": selectors.standards_listing(), "form": form, "can_add": can_add},
    )


@staff_required
def standard(request, standard_id: str):
    try:
        entry = selectors.standard_entry(standard_id)
    except LookupError:
        raise Http404 from None
    if request.GET.get("format") == "yaml":
        response = HttpResponse(
            selectors.standard_text(entry), content_type="application/yaml; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{entry.filename}"'
        return response
    language = request.LANGUAGE_CODE
    return render(
        request,
        "evaluation/standard.html",
        {
            "entry": entry,
            "standard": entry.standard,
            "name": entry.standard.name.get(language),
            "indicators": [
                {
                    "ind": ind,
                    "name": ind.name.get(language),
                    "group": ind.group.get(language) if ind.group else "",
                    "thresholds": ind.thresholds,
                    "note": ind.note.get(language) if ind.note else "",
                }
                for ind in entry.standard.indicators
            ],
        },
    )
