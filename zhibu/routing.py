"""WebSocket routes; areas with live pages add theirs here."""

from zhibu.supervision.routing import websocket_urlpatterns as supervision_ws

websocket_urlpatterns: list = [*supervision_ws]
