from __future__ import annotations

import datetime
import uuid

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from . import progress as reports


class JobQuerySet(models.QuerySet):
    def live(self, **lookup) -> Job:
        """get(pk=..., ...) with the progress its run has reported. The report is read first: a run that
        commits its end in between is then seen finished, never back at its start."""
        reported = reports.read(lookup["pk"])
        return self.get(**lookup)._reported(reported)


class Job(models.Model):
    """A long operation (an import, a report) run by the task queue, with progress a page can show."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("类别"), max_length=40)
    owner = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="jobs")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    params = models.JSONField(default=dict)
    result = models.JSONField(default=dict)
    file = models.FileField(upload_to="jobs/%Y/%m/", blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("后台任务")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.kind} {self.created:%Y-%m-%d %H:%M}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    def progress(self, done: int, total: int | None = None, message: str = "") -> None:
        """Report how far the run has got: to the shared cache, which a page reads even while the run's own
        transaction is open; to the row too when there is no such transaction (in one, the change would be
        unseen until the end and the row held locked)."""
        self.done = done
        if total is not None:
            self.total = total
        if message:
            self.message = message
        reports.report(self.pk, done=self.done, total=self.total, message=self.message)
        if not transaction.get_connection().in_atomic_block:
            Job.objects.filter(pk=self.pk).update(
                done=self.done, total=self.total, message=self.message, status=self.Status.RUNNING
            )

    def finish(self, *, failed: str = "", result: dict | None = None) -> None:
        """Record the end of the run in the row (done, or failed with the reason shown to the user); the
        progress reported along the way is dropped when that is committed."""
        fields = {"total": self.total}
        if failed:
            fields.update(status=self.Status.FAILED, message=failed[:300], done=self.done)
        else:
            fields.update(status=self.Status.DONE, done=self.total)
        if result is not None:
            fields["result"] = result
        Job.objects.filter(pk=self.pk).update(**fields)
        for name, value in fields.items():
            setattr(self, name, value)
        reports.finished(self.pk)

    def live(self) -> Job:
        """This job with the progress its run has reported so far."""
        return self._reported(reports.read(self.pk))

    def _reported(self, entry: dict | None) -> Job:
        if entry and not self.finished:
            self.done, self.total, self.message = entry["done"], entry["total"], entry["message"]
            self.status = self.Status.RUNNING
        return self


class AuditEvent(models.Model):
    """Who did what, when, from where: every write that matters and every sensitive read."""

    at = models.DateTimeField(_("时间"), db_index=True)
    user = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    username = models.CharField(_("账号"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=60, db_index=True)
    target = models.CharField(_("对象"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    detail = models.JSONField(_("详情"), default=dict)
    prev_hash = models.CharField(max_length=80, blank=True, editable=False)
    hash = models.CharField(max_length=80, blank=True, editable=False)

    class Meta:
        verbose_name = _("审计记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["username", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("审计记录只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("审计记录只能追加，不能删除")

    def payload(self) -> dict:
        return {
            "at": self.at.astimezone(datetime.UTC).isoformat(timespec="milliseconds"),
            "username": self.username,
            "action": self.action,
            "target": self.target,
            "ip": self.ip,
            "detail": self.detail,
        }


class AuditPending(models.Model):
    """An audit event written by a request, waiting (usually milliseconds) to be sealed into the chain.

    Requests only insert here, so no write waits on another for the chain's lock; `audit.seal` moves
    pending events into AuditEvent in order, with their links, and deletes them here in one transaction.
    """

    at = models.DateTimeField()
    user = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=60)
    target = models.CharField(max_length=200, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("待封存审计记录")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action}"


class AuditHead(models.Model):
    """The last link of the audit chain; locked while pending events are sealed so the chain never forks."""

    last_hash = models.CharField(max_length=80, blank=True)

    def __str__(self) -> str:
        return self.last_hash
