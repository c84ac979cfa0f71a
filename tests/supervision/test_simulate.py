"""The demonstration feed: labelled simulated events, in reach, switched off when done."""

from django.core.management import call_command


def test_simulated_events_are_labelled_and_stop(cast, login):
    from zhibu.supervision import simulate
    from zhibu.supervision.models import Event

    n = simulate.run(district=cast.a.town.district, seconds=2, rate=3, sleep=lambda s: None)
    assert n == 6
    events = list(Event.objects.order_by("id"))
    assert len(events) == 6 and all(e.payload["simulated"] for e in events)
    assert not simulate.is_running()
    polled = login("supervisor").get("/supervision/board/events/?after=0").json()["events"]
    assert all(e["town_id"] == cast.t1.pk for e in polled)


def test_rebuild_and_escalate_commands(cast, capsys):
    from zhibu.supervision.models import BranchStatus

    call_command("supervision", "rebuild")
    assert BranchStatus.objects.count() == 3
    assert "3 个支部" in capsys.readouterr().out


def test_old_events_are_pruned(cast):
    import datetime

    from django.utils import timezone

    from zhibu.supervision.models import Event
    from zhibu.supervision.tasks import prune_events

    old = Event.objects.create(
        kind="x", district_id=cast.t1.district_id, created=timezone.now() - datetime.timedelta(days=91)
    )
    new = Event.objects.create(kind="x", district_id=cast.t1.district_id)
    assert prune_events() == 1
    assert not Event.objects.filter(pk=old.pk).exists() and Event.objects.filter(pk=new.pk).exists()
