"""Custom actions that still answer the patient when the action server is down.

Rasa logs a failed custom action and continues without any reply: the patient would see silence.
`ResilientRemoteAction` answers with `utter_technical_problem` instead (with the practice's phone
from config/practice.yml). Rasa builds custom actions by the module-level name `RemoteAction` in
`rasa.core.actions.action`, so installing the subclass there is the one point of extension.
A fix (addons/patches.py); the speed-ups of the same calls are in addons/action_endpoint.py.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, List

import rasa.core.actions.action as rasa_actions
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction, create_bot_utterance
from rasa.shared.core.events import Event
from rasa.shared.exceptions import RasaException

from practice.config import load_practice_config

if TYPE_CHECKING:
    from rasa.core.channels.channel import OutputChannel
    from rasa.core.nlg import NaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

TECHNICAL_PROBLEM_RESPONSE = "utter_technical_problem"


class ResilientRemoteAction(RemoteAction):
    async def run(
        self,
        output_channel: "OutputChannel",
        nlg: "NaturalLanguageGenerator",
        tracker: "DialogueStateTracker",
        domain: "Domain",
    ) -> List[Event]:
        try:
            return await super().run(output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise
        except (RasaException, asyncio.TimeoutError) as error:
            logger.error("Custom action '%s' failed, sending the apology instead: %s", self.name(), error)
            return await technical_problem_reply(output_channel, nlg, tracker)


async def technical_problem_reply(
    output_channel: "OutputChannel", nlg: "NaturalLanguageGenerator", tracker: "DialogueStateTracker"
) -> List[Event]:
    values = load_practice_config().template_values()
    message = await nlg.generate(TECHNICAL_PROBLEM_RESPONSE, tracker, output_channel.name(), **values)
    return [create_bot_utterance(message)] if message else []


def install() -> None:
    rasa_actions.RemoteAction = ResilientRemoteAction  # type: ignore[misc]
