"""Subscribers: what other areas do becomes board events and updates the branch's board row.

Connected in SupervisionConfig.ready to the records area's models when that area is installed.
"""

from __future__ import annotations

import logging

from django.apps import apps
from django.db import connection, transaction
from django.db.models.signals import post_save, pre_save

from zhibu.core.events import publish

from . import status

log = logging.getLogger(__name__)


def _meeting_payload(meeting) -> dict:
    branch = meeting.branch
    return {
        "meeting_id": meeting.pk,
        "branch": branch.name,
        "branch_code": branch.code,
        "town": branch.town.name,
        "title": getattr(meeting, "type_label", "") or "",
        "date": meeting.date.isoformat() if meeting.date else None,
    }


def _after(branch_id: int, *, compliance: bool = False) -> None:
    def run():
        try:
            status.refresh([branch_id])
            if compliance:
                status.refresh_compliance([branch_id])
        except Exception:  # noqa: BLE001 - the board row is rebuilt nightly; never fail the write
            log.exception("board status refresh failed for branch %s", branch_id)

    transaction.on_commit(run)


def meeting_pre_save(sender, instance, **kwargs):
    instance._supervision_old_status = (
        sender.objects.filter(pk=instance.pk).values_list("status", flat=True).first()
        if instance.pk
        else None
    )


def meeting_saved(sender, instance, created, **kwargs):
    old = getattr(instance, "_supervision_old_status", None)
    new = instance.status
    if old == new and not created:
        return
    if new == "in_session":
        publish("meeting.opened", branch_id=instance.branch_id, payload=_meeting_payload(instance))
    elif new == "submitted":
        publish("meeting.submitted", branch_id=instance.branch_id, payload=_meeting_payload(instance))
    _after(instance.branch_id, compliance=new in ("submitted", "approved"))


def present_count(attendance, meeting_id: int) -> int:
    """How many are signed in: on the sign-in burst's path, so a plain statement over the meeting's index."""
    table = connection.ops.quote_name(attendance._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {table} WHERE meeting_id = %s AND state = 'present'", [meeting_id]
        )
        return cursor.fetchone()[0]


def attendance_saved(sender, instance, created, **kwargs):
    if instance.state != "present":
        return
    meeting = instance.meeting
    payload = _meeting_payload(meeting)
    payload["present"] = present_count(sender, meeting.pk)
    payload["by_proxy"] = bool(instance.by_proxy)
    town = meeting.branch.town  # loaded for the payload already
    publish(
        "meeting.signin",
        branch_id=meeting.branch_id,
        town_id=town.pk,
        district_id=town.district_id,
        payload=payload,
    )


def review_saved(sender, instance, created, **kwargs):
    if not created:
        return
    meeting = instance.meeting
    payload = _meeting_payload(meeting)
    payload["decision"] = instance.decision
    publish("meeting.reviewed", branch_id=meeting.branch_id, payload=payload)


def connect() -> None:
    if not apps.is_installed("zhibu.records"):
        return
    try:
        meeting = apps.get_model("records", "Meeting")
        attendance = apps.get_model("records", "Attendance")
        review = apps.get_model("records", "Review")
    except LookupError:
        return
    pre_save.connect(meeting_pre_save, sender=meeting, dispatch_uid="supervision.meeting_pre")
    post_save.connect(meeting_saved, sender=meeting, dispatch_uid="supervision.meeting")
    post_save.connect(attendance_saved, sender=attendance, dispatch_uid="supervision.attendance")
    post_save.connect(review_saved, sender=review, dispatch_uid="supervision.review")
