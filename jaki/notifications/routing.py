"""Websocket routes of notifications, gathered by jaki/routing.py."""

from django.urls import path

from jaki.notifications.consumers import FeedConsumer

websocket_urlpatterns = [path("ws/feed/", FeedConsumer.as_asgi())]
