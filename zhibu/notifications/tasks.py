from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail

from .models import Notification
from .sms import gateway


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def deliver(notification_id: int) -> None:
    """Send a notification beyond the inbox, where e-mail or SMS is configured."""
    n = Notification.objects.select_related("recipient__member").filter(pk=notification_id).first()
    if n is None:
        return
    user = n.recipient
    if settings.EMAIL_ENABLED and user.email:
        send_mail(n.title, n.body, None, [user.email])
    sms = gateway()
    if sms and user.member and user.member.phone:
        sms.send(user.member.phone, f"{n.title}：{n.body}"[:300])
