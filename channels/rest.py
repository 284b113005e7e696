"""Rasa's REST channel (`/webhooks/rest/webhook`) with request validation: 4xx with a reason, never a 500."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from addons.storage_guard import guard_storage, storage_failure_response
from channels.request_validation import InvalidRequest, clean_message, clean_sender, json_object


class PatientRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(guard_storage(on_new_message))
        blueprint.middleware(storage_failure_response, "response")

        @blueprint.exception(InvalidRequest)
        async def reject(request: Request, error: InvalidRequest) -> HTTPResponse:
            return response.json({"reason": error.reason}, status=error.status)

        return blueprint

    async def _extract_sender(self, request: Request) -> Optional[Text]:
        # No fallback to Rasa's sender "default": every client without a sender would share one
        # conversation, and one client's erasure request would delete the others' messages.
        return clean_sender(json_object(request.body).get("sender"))

    def _extract_message(self, request: Request) -> Optional[Text]:
        return clean_message(json_object(request.body).get("message"))

    def _extract_input_channel(self, request: Request) -> Text:
        return self.name()

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        return None  # clients cannot inject metadata into the stored conversation
