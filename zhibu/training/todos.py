"""What 练 asks of a person now, for their home page."""

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from zhibu.accounts.reach import visible
from zhibu.core.nav import registry

from .models import Attempt, Enrolment, Exam, TrainingClass


@registry.todos
def training_todos(user) -> list[dict]:
    items = []
    today = timezone.localdate()
    if user.member_id:
        mine = Enrolment.objects.filter(member_id=user.member_id, klass__end__gte=today).select_related(
            "klass"
        )
        for e in mine.exclude(klass__status=TrainingClass.Status.CLOSED):
            if e.status == Enrolment.Status.INVITED:
                items.append(
                    {
                        "priority": 20,
                        "title": gettext("请确认参加“%(klass)s”（%(start)s 开班）或请假")
                        % {"klass": e.klass.name, "start": e.klass.start},
                        "url": reverse("training:enrolment", args=[e.pk]),
                    }
                )
        now = timezone.now()
        # Open exams of their classes but those where this person's own paper is handed in (one subquery:
        # an exclude() over the attempts would take another examinee's handed-in paper for theirs).
        handed_in = Attempt.objects.filter(
            exam=OuterRef("pk"), enrolment__member_id=user.member_id, submitted__isnull=False
        )
        exams = Exam.objects.filter(
            klass__enrolments__member_id=user.member_id, opens__lte=now, closes__gt=now
        ).exclude(Exists(handed_in))
        for exam in exams.distinct():
            items.append(
                {
                    "priority": 10,
                    "title": gettext("考试进行中：%(title)s") % {"title": exam.title},
                    "url": reverse("training:exam_take", args=[exam.pk]),
                }
            )
    pending = visible(Enrolment, user, "training.manage").filter(status=Enrolment.Status.LEAVE)
    n = pending.count()
    if n:
        first = pending.first()
        items.append(
            {
                "priority": 30,
                "title": ngettext("有 %(n)s 条培训请假待审批", "有 %(n)s 条培训请假待审批", n) % {"n": n},
                "url": reverse("training:class", args=[first.klass_id]) + "?status=leave",
            }
        )
    return items
