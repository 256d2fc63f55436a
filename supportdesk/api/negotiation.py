"""Content negotiation for endpoints that answer with file bytes, whatever the client accepts."""

from __future__ import annotations

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request


class IgnoreClientAccept(DefaultContentNegotiation):
    """Downloads stream bytes; the renderer is only used for a JSON error on the way."""

    def select_renderer(
        self, request: Request, renderers: list[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        return renderers[0], renderers[0].media_type
