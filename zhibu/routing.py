"""WebSocket routes; areas with live pages add theirs here."""

websocket_urlpatterns: list = []
