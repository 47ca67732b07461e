"""Websocket routes of every app, gathered for asgi.py."""

from jaki.notifications import routing as notifications

websocket_urlpatterns: list = [*notifications.websocket_urlpatterns]
