"""The interface for an SMS gateway.

zhibu sends no SMS by itself. A district that has a gateway (a government SMS platform, an
operator's enterprise interface) writes a class with this shape and names it in the environment:

    ZHIBU_SMS_GATEWAY=mydistrict.sms.Gateway

    class Gateway:
        def send(self, phone: str, text: str) -> None:
            ...  # raise an exception on failure; the task queue retries it

Messages are sent from a background task, so a slow or absent gateway never blocks a page.
"""

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class SmsGateway(Protocol):
    def send(self, phone: str, text: str) -> None: ...


def gateway() -> SmsGateway | None:
    return import_string(settings.SMS_GATEWAY)() if settings.SMS_GATEWAY else None
