"""Files the engagement pages hand out: QR codes, iCal feeds, Excel exports, bulletins.

Default exports carry pseudonyms, never names or phone numbers; only a resident's own data
export (on request, by someone with the personal-data permission) holds them."""

from __future__ import annotations

import io
import zoneinfo

import segno
from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as IcsEvent
from openpyxl import Workbook
from openpyxl.styles import Font

from . import pii
from .choices import QuizKind
from .models import Attempt, CheckIn, Event, Quiz, Resident


def qr_svg(text: str, *, scale: int = 6, title: str = "") -> str:
    """An inline SVG QR code (error correction M, quiet zone 4 modules) with a viewBox, so CSS
    sets its size."""
    return segno.make(text, error="m", micro=False).svg_inline(
        scale=scale, title=title or None, dark="#10331f", omitsize=True
    )


def resident_token(resident: Resident) -> str:
    return pii.sign_token(resident.qr_secret)


def ics_feed(community, events, *, base_url: str) -> bytes:
    """RFC 5545 calendar of events (cancelled ones carry STATUS:CANCELLED)."""
    cal = Calendar()
    cal.add("prodid", "-//nearzero//engagement//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{community.name}")
    cal.add("x-wr-timezone", community.time_zone)
    tz = zoneinfo.ZoneInfo(community.time_zone)
    for event in events:
        item = IcsEvent()
        item.add("uid", f"event-{event.pk}@nearzero")
        item.add("dtstamp", event.created_at)
        item.add("dtstart", event.starts_at.astimezone(tz))
        item.add("dtend", event.ends_at.astimezone(tz))
        item.add("summary", event.title)
        item.add("location", f"{event.site.name} {event.site.address}".strip())
        if event.description:
            item.add("description", event.description)
        item.add("status", "CANCELLED" if event.status == "cancelled" else "CONFIRMED")
        item.add("url", f"{base_url}/me/events/")
        cal.add_component(item)
    return cal.to_ical()


def quiz_workbook(quiz: Quiz) -> bytes:
    """One row per attempt, one column per option (1 = chosen): opens cleanly in Excel."""
    questions = list(quiz.questions.prefetch_related("options"))
    options = [(q, o) for q in questions for o in q.options.all()]
    attempts = (
        Attempt.objects.filter(quiz=quiz)
        .select_related("resident")
        .prefetch_related("answers")
        .order_by("submitted_at", "pk")
    )
    wb = Workbook()
    ws = wb.active
    ws.title = "answers"
    head = ["resident", "submitted"]
    if quiz.kind == QuizKind.QUIZ:
        head += ["correct", "questions", "score (%)", "passed"]
    head += [f"Q{q.position}{'*' if o.is_correct else ''}: {o.text}" for q, o in options]
    ws.append(head)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    tz = zoneinfo.ZoneInfo(quiz.community.time_zone)
    for attempt in attempts:
        chosen = {a.option_id for a in attempt.answers.all()}
        row = [attempt.resident.pseudonym, attempt.submitted_at.astimezone(tz).replace(tzinfo=None)]
        if quiz.kind == QuizKind.QUIZ:
            row += [
                attempt.correct,
                attempt.total,
                float(attempt.score_pct or 0),
                1 if attempt.passed else 0,
            ]
        row += [1 if o.pk in chosen else 0 for _q, o in options]
        ws.append(row)
    ws.freeze_panes = "C2"
    summary = wb.create_sheet("options")
    summary.append(["question", "option", "correct", "chosen (count)"])
    counts: dict[int, int] = {}
    for attempt in attempts:
        for answer in attempt.answers.all():
            counts[answer.option_id] = counts.get(answer.option_id, 0) + 1
    for q, o in options:
        summary.append(
            [f"Q{q.position}: {q.text}", o.text, 1 if o.is_correct else 0, counts.get(o.pk, 0)]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def resident_data(resident: Resident) -> dict:
    """Everything nearzero holds about one resident (their data-export request)."""
    tz = zoneinfo.ZoneInfo(resident.community.time_zone)

    def local(value):
        return value.astimezone(tz).isoformat() if value else None

    return {
        "exported_at": timezone.now().astimezone(tz).isoformat(),
        "community": resident.community.name,
        "pseudonym": resident.pseudonym,
        "name": resident.name,
        "phone": pii.decrypt(resident.phone_encrypted),
        "home_site": resident.home_site.name if resident.home_site else None,
        "household": str(resident.household) if resident.household else None,
        "consent_at": local(resident.consent_at),
        "registered_at": local(resident.created_at),
        "check_ins": [
            {"event": c.event.title, "site": c.event.site.name, "at": local(c.checked_in_at)}
            for c in CheckIn.objects.filter(resident=resident).select_related("event__site")
        ],
        "sorting_shifts": [
            {"start": local(s.starts_at), "hours": float(s.hours), "verified": bool(s.verified_at)}
            for s in resident.shifts.all()
        ],
        "weighings": [
            {"material": w.material, "kg": float(w.kg), "at": local(w.weighed_at)}
            for w in resident.weighings.all()
        ],
        "plant_adoptions": [
            {"plant": a.plant, "adopted_on": str(a.adopted_on)} for a in resident.adoptions.all()
        ],
        "quiz_attempts": [
            {
                "quiz": a.quiz.title,
                "at": local(a.submitted_at),
                "score_pct": float(a.score_pct) if a.score_pct is not None else None,
            }
            for a in resident.attempts.select_related("quiz")
        ],
        "feedback": [
            {"text": f.text, "status": f.status, "answer": f.reply, "at": local(f.created_at)}
            for f in resident.feedback.all()
        ],
    }


def month_events(community, year: int, month: int) -> list[Event]:
    from .selectors import year_bounds

    start, end = year_bounds(community, year, month)
    return list(
        Event.objects.filter(community=community, starts_at__gte=start, starts_at__lt=end)
        .exclude(status="cancelled")
        .select_related("site")
        .order_by("starts_at")
    )
