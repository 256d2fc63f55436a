"""OpenAPI generation: the token scheme and the error responses every operation can give."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

from supportdesk.api.serializers import ErrorSerializer

ERROR_DESCRIPTIONS = {
    "400": "Invalid input: `details` names each field (or ticket id, for bulk updates).",
    "401": "No credentials, or bad ones.",
    "403": "Your role may not do this.",
    "404": "No such object in your tenant.",
    "405": "Method not allowed (see the Allow header).",
    "412": "If-Match names an older version; nothing was changed.",
    "413": "Upload too large.",
    "415": "Unsupported media type.",
    "429": "Too many requests (see Retry-After).",
}


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "supportdesk.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": '"Token <key>"; create a key with `manage.py create_api_token EMAIL` '
            "or POST /api/tokens.",
        }


class AutoSchema(SpectacularAutoSchema):
    """Adds the ``{"error", "details"}`` responses that apply to each operation."""

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        codes = ["400", "401", "403", "429"]
        if "{" in self.path:
            codes.append("404")
        if self.method in ("PUT", "PATCH", "DELETE"):
            codes.append("412")
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("415")
        if self.path.endswith("/attachments/") and self.method == "POST":
            codes.append("413")
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                responses[code]["description"] = ERROR_DESCRIPTIONS[code]
        return responses
