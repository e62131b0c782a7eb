"""Engagement pages: parse → scope → service or selector → render."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.http import require_POST

from nearzero.accounts import scope
from nearzero.accounts.decorators import resident_required, staff_required
from nearzero.core.engagement import phones
from nearzero.core.errors import DomainError
from nearzero.web.forms import add_domain_error

from . import bulletin, exports, pii, selectors, services
from .choices import FeedbackStatus, QuizKind, ScanGrantKind
from .forms import (
    AdoptionForm,
    AnswerForm,
    BookForm,
    CareLogForm,
    EventForm,
    FeedbackForm,
    QuizForm,
    ResidentForm,
    ShiftForm,
    WeighingForm,
)
from .models import (
    Book,
    CheckIn,
    Event,
    Feedback,
    PlantAdoption,
    Quiz,
    Resident,
    ScanGrant,
    SortingShift,
    Weighing,
)

SHARE_SALT = "nearzero.engagement.share"
FEED_SALT = "nearzero.engagement.ics"


def _community(request, slug: str):
    return scope.get_or_404(scope.communities_for(request.user), slug=slug)


def _frontline(request, community) -> bool:
    return scope.frontline_communities(request.user).filter(pk=community.pk).exists()


def _require_frontline(request, slug: str):
    return scope.get_or_404(scope.frontline_communities(request.user), slug=slug)


def _year(request, community) -> int:
    value = request.GET.get("year", "")
    if value.isdigit() and 2000 <= int(value) <= 2100:
        return int(value)
    return selectors.latest_year(community) or timezone.localdate().year


def _writable_sites(request, community):
    return scope.editable_sites_for(request.user).filter(community=community, is_active=True)


def _tabs(community, active: str) -> dict:
    return {"community": community, "tab": active}


# --- overview and events ---------------------------------------------------------------------


@staff_required
def overview(request, slug: str):
    community = _community(request, slug)
    year = _year(request, community)
    sites = list(community.sites.filter(is_active=True))
    data = selectors.summary(community, year, sites=sites)
    now = timezone.now()
    upcoming = (
        Event.objects.filter(community=community, ends_at__gte=now)
        .select_related("site")
        .order_by("starts_at")[:8]
    )
    return render(
        request,
        "engagement/overview.html",
        {
            **_tabs(community, "overview"),
            "year": year,
            "data": data,
            "upcoming": upcoming,
            "can_write": _frontline(request, community),
            "feed_url": request.build_absolute_uri(
                reverse(
                    "engagement:ics", kwargs={"token": signing.dumps(community.pk, salt=FEED_SALT)}
                )
            ),
        },
    )


@staff_required
def event_list(request, slug: str):
    community = _community(request, slug)
    events = (
        Event.objects.filter(community=community)
        .select_related("site", "activity_type")
        .annotate(n=Count("checkins"))
        .order_by("-starts_at")
    )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "engagement/event_list.html",
        {**_tabs(community, "events"), "page": page, "can_write": _frontline(request, community)},
    )


@staff_required
def event_create(request, slug: str):
    community = _require_frontline(request, slug)
    sites = _writable_sites(request, community)
    form = EventForm(request.POST or None, community=community, sites=sites)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.create_event(
                actor=request.user, community=community, **form.cleaned_data
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Event saved."))
            return redirect("engagement:event", pk=event.pk)
    return render(
        request, "sites/form.html", {"form": form, "community": community, "title": _("New event")}
    )


def _event(request, pk: int) -> Event:
    return scope.get_or_404(
        Event.objects.filter(community__in=scope.communities_for(request.user)).select_related(
            "community", "site", "activity_type"
        ),
        pk=pk,
    )


def _can_check_in(request, event) -> bool:
    """Frontline staff (community admins, site staff) at a site where they work."""
    return scope.works_at(request.user, event.site)


@staff_required
def event_detail(request, pk: int):
    event = _event(request, pk)
    checkins = event.checkins.select_related("resident", "scan_grant").order_by("-checked_in_at")
    can_check_in = _can_check_in(request, event)
    return render(
        request,
        "engagement/event_detail.html",
        {
            **_tabs(event.community, "events"),
            "event": event,
            "checkins": checkins[:200],
            "figures": selectors.event_figures(event),
            "can_check_in": can_check_in,
            "scan_links": selectors.scan_links(event) if can_check_in else [],
            "now": timezone.now(),
        },
    )


#: Where the scan page keeps its scan grants' tokens in the session, by event id.
PAGE_GRANTS = "nearzero.scan_grants"


def _page_grant(request, event) -> str:
    """The scan page's own scan grant, one per session and event: its check-ins then go
    through the one-round-trip path, and signing out ends it."""
    held = request.session.get(PAGE_GRANTS, {})
    token = held.get(str(event.pk))
    if token and selectors.live_scan_grant(token) is not None:
        return token
    if request.session.session_key is None:
        request.session.save()
    _grant, token = services.issue_scan_grant(
        actor=request.user,
        event=event,
        kind=ScanGrantKind.PAGE,
        session_key=request.session.session_key,
    )
    request.session[PAGE_GRANTS] = {**held, str(event.pk): token}
    return token


def _scan_text() -> dict[str, str]:
    return {
        "checked_in": _("Checked in: {who}"),
        "already": _("Already checked in: {who}"),
        "error": _("Could not check in."),
        "saved_offline": _("No network: the scan is saved and will upload later."),
        "offline_search": _("No network: search needs the network; scan the code."),
        "queued": _("{n} scans wait for the network"),
        "uploaded": _("Uploaded {m} saved scans ({n} new check-ins)."),
        "no_match": _("No resident found."),
        "check_in": _("Check in"),
        "done": _("Checked in"),
        "camera_on": _("Camera on: hold the code in the frame."),
        "camera_open": _("Open camera"),
        "camera_stop": _("Stop camera"),
        "no_camera": _("No camera available: type the code or search by name."),
        "grant_invalid": _(
            "This scan link has expired or was withdrawn. Reload the page, or ask the staff "
            "for a new link."
        ),
        "no_link": _("Open the scanner link the staff gave you (scan its QR code)."),
    }


def _scan_urls(event_id: int) -> dict[str, str]:
    return {
        "checkin_url": reverse("api:engagement_check_in", kwargs={"event_id": event_id}),
        "queue_url": reverse("api:engagement_upload_queue"),
        "figures_url": reverse("api:engagement_event_figures", kwargs={"event_id": event_id}),
    }


@staff_required
def scan(request, pk: int):
    """The phone page staff scan residents' codes with (camera, typed code or name search);
    scans made offline wait in the browser and upload when the network is back."""
    event = _event(request, pk)
    if not _can_check_in(request, event):
        raise Http404
    try:
        grant = _page_grant(request, event)
    except DomainError:  # cancelled, or its check-in has closed: scans answer why, by session
        grant = None
    return render(
        request,
        "engagement/scan.html",
        {
            **_tabs(event.community, "events"),
            "event": event,
            "figures": selectors.event_figures(event),
            "config": {
                "event": event.pk,
                "grant": grant,
                **_scan_urls(event.pk),
                "search_url": reverse("engagement:resident_search", kwargs={"pk": event.pk}),
            },
            "text": _scan_text(),
        },
    )


def scanner(request):
    """The scan page of a scanner link, for a volunteer's phone without an account: the
    link's token travels after ``#`` (never sent to the server by the browser, so it stays
    out of access logs); the page reads it and authenticates every request with it."""
    return render(
        request,
        "engagement/scan.html",
        {
            "event": None,
            "config": {
                "event": None,
                "grant": None,
                "grant_url": reverse("api:engagement_scan_grant"),
                "queue_url": reverse("api:engagement_upload_queue"),
            },
            "text": _scan_text(),
        },
    )


@staff_required
@require_POST
def scan_link_create(request, pk: int):
    """Issue a scanner link for a volunteer's phone and show its QR code, once."""
    event = _event(request, pk)
    if not _can_check_in(request, event):
        raise Http404
    try:
        grant, token = services.issue_scan_grant(
            actor=request.user,
            event=event,
            kind=ScanGrantKind.LINK,
            label=request.POST.get("label", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("engagement:event", pk=event.pk)
    url = request.build_absolute_uri(reverse("engagement:scanner")) + "#" + token
    return render(
        request,
        "engagement/scan_link.html",
        {
            **_tabs(event.community, "events"),
            "event": event,
            "grant": grant,
            "url": url,
            "qr": exports.qr_svg(url, scale=6, title=grant.label),
        },
    )


@staff_required
@require_POST
def scan_link_revoke(request, pk: int):
    grant = scope.get_or_404(
        ScanGrant.objects.filter(
            kind=ScanGrantKind.LINK, event__site__in=scope.frontline_sites_for(request.user)
        ).select_related("event__community"),
        pk=pk,
    )
    services.revoke_scan_grant(actor=request.user, grant=grant)
    messages.success(request, _("The scanner link was withdrawn."))
    return redirect("engagement:event", pk=grant.event_id)


@staff_required
def resident_search(request, pk: int):
    """Name or phone search for the scan page's fallback (masked phones only)."""
    event = _event(request, pk)
    if not _can_check_in(request, event):
        raise Http404
    query = (request.POST.get("q") or request.GET.get("q", "")).strip()  # POST: no numbers in URLs
    residents = selectors.search_residents(event.community, query)[:20] if query else []
    checked = set(
        CheckIn.objects.filter(event=event, resident__in=residents).values_list(
            "resident_id", flat=True
        )
    )
    return JsonResponse(
        {
            "results": [
                {
                    "id": r.pk,
                    "name": r.name,
                    "phone": r.phone_masked,
                    "site": r.home_site.name if r.home_site else "",
                    "checked_in": r.pk in checked,
                }
                for r in residents
            ]
        }
    )


@staff_required
def poster(request, pk: int):
    event = _event(request, pk)
    url = request.build_absolute_uri(
        reverse("engagement:self_check_in", kwargs={"secret": event.poster_secret})
    )
    return render(
        request,
        "engagement/poster.html",
        {
            "event": event,
            "community": event.community,
            "url": url,
            "qr": exports.qr_svg(url, scale=8) if event.self_check_in else "",
        },
    )


@login_required
def self_check_in(request, secret: str):
    """A resident scanned an event's poster: confirm, then check in."""
    event = (
        Event.objects.filter(poster_secret=secret, self_check_in=True)
        .select_related("site", "community")
        .first()
    )
    resident = getattr(request.user, "resident", None)
    if event is None or resident is None or resident.community_id != event.community_id:
        raise Http404
    result = None
    error = ""
    if request.method == "POST":
        try:
            result = services.self_check_in(user=request.user, poster_secret=secret)
        except DomainError as exc:
            error = exc.message
    return render(
        request, "engagement/self_check_in.html", {"event": event, "result": result, "error": error}
    )


def ics(request, token: str):
    """The community's events as an iCal feed; the signed link is the credential."""
    try:
        community_id = signing.loads(token, salt=FEED_SALT)
    except signing.BadSignature:
        raise Http404 from None
    from nearzero.sites.models import Community

    community = scope.get_or_404(Community.objects.all(), pk=community_id)
    since = timezone.now() - dt.timedelta(days=400)
    events = Event.objects.filter(community=community, starts_at__gte=since).select_related("site")
    body = exports.ics_feed(community, events, base_url=request.build_absolute_uri("/").rstrip("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{community.slug}-events.ics"'
    return response


# --- residents -------------------------------------------------------------------------------


@staff_required
def resident_list(request, slug: str):
    """The registry. The search form posts, and a phone number is turned into its keyed
    digest before it reaches a URL, so numbers never land in addresses or access logs."""
    community = _community(request, slug)
    if request.method == "POST":
        query = request.POST.get("q", "").strip()
        try:
            digest = pii.phone_digest(phones.normalize_phone(query))
        except DomainError:
            return redirect(f"{request.path}?{urlencode({'q': query})}")
        return redirect(f"{request.path}?{urlencode({'phone': digest})}")
    query = request.GET.get("q", "").strip()
    residents = Resident.objects.filter(community=community).select_related(
        "home_site", "household__building"
    )
    if request.GET.get("phone"):
        residents = residents.filter(phone_digest=request.GET["phone"], erased_at=None)
    elif query:
        residents = selectors.search_residents(community, query)
    page = Paginator(residents.order_by("name", "pk"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "engagement/resident_list.html",
        {
            **_tabs(community, "residents"),
            "page": page,
            "q": query,
            "phone_search": bool(request.GET.get("phone")),
            "total": Resident.objects.filter(community=community, erased_at=None).count(),
            "can_write": _frontline(request, community),
        },
    )


@staff_required
def resident_create(request, slug: str):
    community = _require_frontline(request, slug)
    form = ResidentForm(request.POST or None, community=community)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            resident = services.register_resident(
                actor=request.user,
                community=community,
                name=data["name"],
                phone=data["phone"],
                home_site=data["home_site"],
                household=data["household"],
                consent=data["consent"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Resident registered."))
            return redirect("engagement:resident", pk=resident.pk)
    return render(
        request,
        "sites/form.html",
        {"form": form, "community": community, "title": _("Register a resident")},
    )


def _resident(request, pk: int) -> Resident:
    return selectors.visible_resident(request.user, pk)


@staff_required
def resident_detail(request, pk: int):
    resident = _resident(request, pk)
    personal = scope.can_handle_personal_data(request.user, resident.community)
    return render(
        request,
        "engagement/resident_detail.html",
        {
            **_tabs(resident.community, "residents"),
            "resident": resident,
            "phone": pii.decrypt(resident.phone_encrypted) if personal else resident.phone_masked,
            "personal": personal,
            "can_write": _frontline(request, resident.community),
            "qr": exports.qr_svg(exports.resident_token(resident))
            if not resident.erased_at
            else "",
            "checkins": resident.checkins.select_related("event__site").order_by("-checked_in_at")[
                :50
            ],
        },
    )


def _personal_resident(request, pk: int) -> Resident:
    resident = _resident(request, pk)
    if not scope.can_handle_personal_data(request.user, resident.community):
        raise Http404
    return resident


@staff_required
def resident_export(request, pk: int):
    """A resident's own data (their access request), as JSON. Recorded in the audit log."""
    resident = _personal_resident(request, pk)
    data = services.export_resident_data(actor=request.user, resident=resident)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{resident.pseudonym}.json"'
    return response


@staff_required
@require_POST
def resident_erase(request, pk: int):
    resident = _personal_resident(request, pk)
    try:
        services.erase_resident(actor=request.user, resident=resident)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Personal data erased; statistics keep the pseudonym."))
    return redirect("engagement:resident", pk=resident.pk)


@staff_required
@require_POST
def resident_rotate(request, pk: int):
    resident = _resident(request, pk)
    if not _frontline(request, resident.community):
        raise Http404
    try:
        services.rotate_qr(actor=request.user, resident=resident)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The old QR code is revoked; this is the new one."))
    return redirect("engagement:resident", pk=resident.pk)


# --- practices -------------------------------------------------------------------------------


@staff_required
def practices(request, slug: str):
    community = _community(request, slug)
    year = _year(request, community)
    can_write = _frontline(request, community)
    sites = _writable_sites(request, community)
    forms = {}
    if can_write:
        forms = {
            "shift": ShiftForm(community=community, sites=sites, prefix="shift"),
            "weighing": WeighingForm(community=community, sites=sites, prefix="weighing"),
            "adoption": AdoptionForm(community=community, sites=sites, prefix="adoption"),
        }
    if request.method == "POST" and can_write:
        kind = request.POST.get("form")
        form_class = {"shift": ShiftForm, "weighing": WeighingForm, "adoption": AdoptionForm}.get(
            kind
        )
        if form_class is None:
            raise Http404
        form = form_class(request.POST, community=community, sites=sites, prefix=kind)
        forms[kind] = form
        if form.is_valid():
            data = form.cleaned_data
            try:
                if kind == "shift":
                    services.record_shift(actor=request.user, **data)
                elif kind == "weighing":
                    services.record_weighing(actor=request.user, **data)
                else:
                    services.adopt_plant(actor=request.user, **data)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect(request.path)
    editable = set(sites.values_list("pk", flat=True))
    shifts = SortingShift.objects.filter(community=community).select_related("site", "resident")[
        :50
    ]
    return render(
        request,
        "engagement/practices.html",
        {
            **_tabs(community, "practices"),
            "year": year,
            "forms": forms,
            "editable": editable,
            "shifts": shifts,
            "pending": SortingShift.objects.filter(community=community, verified_at=None).count(),
            "weighings": Weighing.objects.filter(community=community).select_related("site")[:30],
            "adoptions": PlantAdoption.objects.filter(community=community)
            .select_related("resident", "site")
            .annotate(n=Count("care_logs"))[:30],
            "materials": selectors.recycled_by_material(community, year),
        },
    )


@staff_required
@require_POST
def shift_verify(request, pk: int):
    shift = scope.get_or_404(
        SortingShift.objects.filter(
            site__in=scope.frontline_sites_for(request.user)
        ).select_related("resident", "community"),
        pk=pk,
    )
    services.verify_shift(actor=request.user, shift=shift)
    messages.success(request, _("Shift verified: its hours now count."))
    return redirect("engagement:practices", slug=shift.community.slug)


@staff_required
def adoption_detail(request, pk: int):
    adoption = scope.get_or_404(
        PlantAdoption.objects.filter(
            community__in=scope.communities_for(request.user)
        ).select_related("resident", "site", "community"),
        pk=pk,
    )
    can_write = _frontline(request, adoption.community)
    form = CareLogForm(request.POST or None, request.FILES or None) if can_write else None
    if request.method == "POST" and can_write and form.is_valid():
        try:
            services.log_care(
                actor=request.user,
                adoption=adoption,
                note=form.cleaned_data["note"],
                photo=form.cleaned_data["photo"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Care logged."))
            return redirect(request.path)
    return render(
        request,
        "engagement/adoption_detail.html",
        {
            **_tabs(adoption.community, "practices"),
            "adoption": adoption,
            "form": form,
            "logs": adoption.care_logs.all(),
        },
    )


# --- quizzes ---------------------------------------------------------------------------------


@staff_required
def quiz_list(request, slug: str):
    community = _community(request, slug)
    quizzes = Quiz.objects.filter(community=community).annotate(
        n=Count("attempts"), passed=Count("attempts", filter=Q(attempts__passed=True))
    )
    year = _year(request, community)
    return render(
        request,
        "engagement/quiz_list.html",
        {
            **_tabs(community, "quizzes"),
            "quizzes": quizzes,
            "year": year,
            "kpis": selectors.summary(community, year).total,
            "can_write": scope.manageable_communities(request.user)
            .filter(pk=community.pk)
            .exists(),
        },
    )


@staff_required
def quiz_create(request, slug: str):
    community = scope.get_or_404(scope.manageable_communities(request.user), slug=slug)
    form = QuizForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            quiz = services.create_quiz(
                actor=request.user, community=community, **form.cleaned_data
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("engagement:quiz", pk=quiz.pk)
    return render(
        request,
        "sites/form.html",
        {"form": form, "community": community, "title": _("New quiz or survey")},
    )


def _quiz(request, pk: int) -> Quiz:
    return scope.get_or_404(
        Quiz.objects.filter(community__in=scope.communities_for(request.user)).select_related(
            "community"
        ),
        pk=pk,
    )


@staff_required
def quiz_detail(request, pk: int):
    quiz = _quiz(request, pk)
    return render(
        request,
        "engagement/quiz_detail.html",
        {
            **_tabs(quiz.community, "quizzes"),
            "quiz": quiz,
            "questions": selectors.quiz_results(quiz),
            "attempts": quiz.attempts.count(),
        },
    )


@staff_required
def quiz_export(request, pk: int):
    quiz = _quiz(request, pk)
    response = HttpResponse(
        exports.quiz_workbook(quiz),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="quiz-{quiz.pk}.xlsx"'
    return response


# --- feedback --------------------------------------------------------------------------------


@staff_required
def feedback_list(request, slug: str):
    community = _community(request, slug)
    status = request.GET.get("status", "")
    items = Feedback.objects.filter(community=community).select_related("site")
    if status in FeedbackStatus.values:
        items = items.filter(status=status)
    page = Paginator(items, 30).get_page(request.GET.get("page"))
    books = Book.objects.filter(site__community=community, removed_on=None).select_related(
        "site", "feedback"
    )
    return render(
        request,
        "engagement/feedback_list.html",
        {
            **_tabs(community, "feedback"),
            "page": page,
            "status": status,
            "statuses": FeedbackStatus.choices,
            "books": books,
            "open": Feedback.objects.filter(
                community=community, status=FeedbackStatus.OPEN
            ).count(),
        },
    )


@staff_required
def feedback_detail(request, pk: int):
    item = scope.get_or_404(
        Feedback.objects.filter(community__in=scope.communities_for(request.user)).select_related(
            "community", "site"
        ),
        pk=pk,
    )
    can_write = _frontline(request, item.community)
    answer = AnswerForm(
        request.POST if request.POST.get("form") == "answer" else None,
        initial={
            "status": item.status if item.status != "open" else "answered",
            "reply": item.reply,
        },
        prefix="answer",
    )
    book = BookForm(request.POST if request.POST.get("form") == "book" else None, prefix="book")
    if request.method == "POST" and can_write:
        try:
            if request.POST.get("form") == "answer" and answer.is_valid():
                services.answer_feedback(actor=request.user, feedback=item, **answer.cleaned_data)
                messages.success(request, _("Answer saved."))
                return redirect(request.path)
            if request.POST.get("form") == "book" and book.is_valid() and item.site:
                services.add_book(
                    actor=request.user, site=item.site, feedback=item, **book.cleaned_data
                )
                messages.success(request, _("Book added to the reading corner."))
                return redirect(request.path)
        except DomainError as exc:
            add_domain_error(answer if request.POST.get("form") == "answer" else book, exc)
    return render(
        request,
        "engagement/feedback_detail.html",
        {
            **_tabs(item.community, "feedback"),
            "item": item,
            "answer": answer,
            "book": book,
            "can_write": can_write,
            "books": item.books.all(),
        },
    )


# --- month, sharing and the bulletin ---------------------------------------------------------


def _month_context(community, year: int, month: int) -> dict:
    sites = list(community.sites.filter(is_active=True))
    data = selectors.summary(community, year, month=month, sites=sites)
    events = exports.month_events(community, year, month)
    counts = dict(
        CheckIn.objects.filter(event__in=events).values_list("event_id").annotate(n=Count("id"))
    )
    return {
        "community": community,
        "year": year,
        "month": month,
        "kpis": data.total,
        "events": [(e, counts.get(e.pk, 0)) for e in events],
        "sites": [(s, k) for s, k in data.sites if k.events or k.resident_services],
        "answered": Feedback.objects.filter(
            community=community,
            replied_at__gte=selectors.year_bounds(community, year, month)[0],
            replied_at__lt=selectors.year_bounds(community, year, month)[1],
        ).count(),
    }


def _valid_month(year: int, month: int) -> None:
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise Http404


@staff_required
def month(request, slug: str, year: int, month: int):
    community = _community(request, slug)
    _valid_month(year, month)
    token = signing.dumps({"c": community.pk, "y": year, "m": month}, salt=SHARE_SALT)
    return render(
        request,
        "engagement/month.html",
        {
            **_month_context(community, year, month),
            "tab": "overview",
            "share_url": request.build_absolute_uri(
                reverse("engagement:share", kwargs={"token": token})
            ),
        },
    )


def share(request, token: str):
    """The month's achievements for anyone holding the link (aggregates only)."""
    try:
        data = signing.loads(token, salt=SHARE_SALT)
    except signing.BadSignature:
        raise Http404 from None
    from nearzero.sites.models import Community

    community = scope.get_or_404(Community.objects.all(), pk=data["c"])
    return render(request, "engagement/share.html", _month_context(community, data["y"], data["m"]))


@staff_required
def bulletin_pdf(request, slug: str, year: int, month: int):
    community = _community(request, slug)
    _valid_month(year, month)
    size = request.GET.get("size", "A4").upper()
    if size not in ("A4", "A3"):
        raise Http404
    ctx = _month_context(community, year, month)
    k = ctx["kpis"]
    tz = zoneinfo.ZoneInfo(community.time_zone)
    figures = [
        bulletin.BulletinFigure(_("events held"), f"{k.events:,}"),
        bulletin.BulletinFigure(_("participations"), f"{k.participations:,}", _("person-times")),
        bulletin.BulletinFigure(_("distinct participants"), f"{k.distinct_participants:,}"),
        bulletin.BulletinFigure(_("volunteer hours"), f"{k.volunteer_hours:,.0f}", "h"),
        bulletin.BulletinFigure(_("recyclables collected"), f"{k.recycled_kg:,.0f}", "kg"),
        bulletin.BulletinFigure(
            _("CO2e of labelled actions"), f"{k.labelled_co2e_kg:,.0f}", "kg CO₂e"
        ),
    ]
    notes = [
        _("Participations count each resident once per event, from check-ins, never typed."),
        _("Labelled CO2e is an engagement measure and is not deducted from the carbon inventory."),
    ]
    if ctx["answered"]:
        notes.insert(
            0,
            ngettext(
                "%(n)s suggestion from residents was answered this month.",
                "%(n)s suggestions from residents were answered this month.",
                ctx["answered"],
            )
            % {"n": ctx["answered"]},
        )
    sheet = bulletin.Bulletin(
        community=community.name,
        period=_("%(month)s/%(year)s") % {"year": year, "month": month},
        heading=_("Low-carbon community: this month's results"),
        figures=figures,
        events=[
            bulletin.BulletinEvent(
                e.starts_at.astimezone(tz).date(),
                e.title,
                e.site.name,
                n,
                selectors.labelled_kg(e, n),
            )
            for e, n in ctx["events"]
        ],
        notes=notes,
        footer=_("Counted by nearzero from check-ins and records on %(date)s")
        % {"date": timezone.localdate(timezone=tz).isoformat()},
        more_events_text=_("… and {n} more"),
        columns=(_("date"), _("event"), _("site"), pgettext("bulletin column", "attendance")),
        date_format=_("{month}/{day}"),
    )
    response = HttpResponse(bulletin.render_pdf(sheet, size=size), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="{community.slug}-{year}-{month:02d}-{size}.pdf"'
    )
    return response


# --- resident pages (phone first) ------------------------------------------------------------


def _me(request) -> Resident:
    resident = getattr(request.user, "resident", None)
    if resident is None or resident.erased_at:
        raise Http404
    return resident


@resident_required
def my_home(request):
    resident = getattr(request.user, "resident", None)
    if resident is None or resident.erased_at:
        return render(
            request, "web/me.html", {"assignment": scope.resident_assignment(request.user)}
        )
    history = selectors.my_totals(resident)
    return render(
        request,
        "engagement/me/home.html",
        {
            "resident": resident,
            "qr": exports.qr_svg(exports.resident_token(resident), scale=7),
            "totals": history,
            "next_events": selectors.open_events(resident)[:3],
        },
    )


@resident_required
def my_events(request):
    resident = _me(request)
    return render(
        request,
        "engagement/me/events.html",
        {
            "resident": resident,
            "events": selectors.open_events(resident),
            "registered": set(resident.registrations.values_list("event_id", flat=True)),
        },
    )


@resident_required
@require_POST
def my_register(request, pk: int):
    resident = _me(request)
    event = scope.get_or_404(Event.objects.filter(community=resident.community), pk=pk)
    try:
        services.register_for_event(actor=request.user, event=event, resident=resident)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("You are registered. Show your QR code at the door."))
    return redirect("engagement:my_events")


@resident_required
def my_history(request):
    resident = _me(request)
    return render(
        request,
        "engagement/me/history.html",
        {
            "resident": resident,
            "totals": selectors.my_totals(resident),
            "checkins": resident.checkins.select_related("event__site").order_by("-checked_in_at")[
                :100
            ],
            "shifts": resident.shifts.select_related("site")[:50],
            "weighings": resident.weighings.select_related("site")[:50],
            "attempts": resident.attempts.select_related("quiz")[:20],
        },
    )


@resident_required
def my_quizzes(request):
    resident = _me(request)
    quizzes = Quiz.objects.filter(community=resident.community, is_open=True)
    done = {a["quiz_id"]: a for a in resident.attempts.values("quiz_id", "passed", "score_pct")}
    return render(
        request,
        "engagement/me/quizzes.html",
        {"resident": resident, "quizzes": [(q, done.get(q.pk)) for q in quizzes]},
    )


@resident_required
def my_quiz(request, pk: int):
    resident = _me(request)
    quiz = scope.get_or_404(Quiz.objects.filter(community=resident.community, is_open=True), pk=pk)
    questions = list(quiz.questions.prefetch_related("options"))
    error, attempt = "", None
    if request.method == "POST":
        chosen = {
            q.pk: [int(x) for x in request.POST.getlist(f"q{q.pk}") if x.isdigit()]
            for q in questions
        }
        try:
            attempt = services.submit_attempt(
                actor=request.user,
                quiz_obj=quiz,
                resident=resident,
                chosen=chosen,
                nonce=request.POST.get("nonce") or None,
            )
        except DomainError as exc:
            error = exc.message
    return render(
        request,
        "engagement/me/quiz.html",
        {
            "resident": resident,
            "quiz": quiz,
            "questions": questions,
            "error": error,
            "attempt": attempt,
            "is_quiz": quiz.kind == QuizKind.QUIZ,
            "nonce": get_random_string(24) if attempt is None else "",
        },
    )


@resident_required
def my_feedback(request):
    resident = _me(request)
    form = FeedbackForm(request.POST or None, request.FILES or None, community=resident.community)
    if request.method == "POST" and form.is_valid():
        try:
            services.send_feedback(
                actor=request.user,
                community=resident.community,
                resident=resident,
                **form.cleaned_data,
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Thank you. Staff will answer here."))
            return redirect("engagement:my_feedback")
    return render(
        request,
        "engagement/me/feedback.html",
        {
            "resident": resident,
            "form": form,
            "items": resident.feedback.select_related("site").order_by("-created_at"),
        },
    )


@resident_required
def my_data(request):
    resident = _me(request)
    response = HttpResponse(
        json.dumps(exports.resident_data(resident), ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="my-data-{resident.pseudonym}.json"'
    return response
