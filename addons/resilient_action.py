"""Custom actions that still answer the patient when the action server is down, and answer fast.

Rasa logs a failed custom action and continues without any reply: the patient would see silence.
`ResilientRemoteAction` answers with `utter_technical_problem` instead (with the practice's phone
from config/practice.yml). Rasa builds custom actions by the module-level name `RemoteAction` in
`rasa.core.actions.action`, so installing the subclass there is the one point of extension.

Rasa validates every action server response with `jsonschema.validate`, which checks the large
events schema itself on every call: almost half of the server's CPU time under load (`make bench`).
The subclass validates against the same schema with a validator built once.
"""

from __future__ import annotations

import asyncio
import logging
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Text

from jsonschema.validators import validator_for

import rasa.core.actions.action as rasa_actions
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction, create_bot_utterance
from rasa.shared.core.events import Event
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

from actions.practice_config import load_practice_config
from addons.action_endpoint import KeepAliveEndpointConfig

if TYPE_CHECKING:
    from rasa.core.channels.channel import OutputChannel
    from rasa.core.nlg import NaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

TECHNICAL_PROBLEM_RESPONSE = "utter_technical_problem"


@lru_cache(maxsize=1)
def _action_result_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


class ResilientRemoteAction(RemoteAction):
    def __init__(self, name: Text, action_endpoint: Optional[EndpointConfig]) -> None:
        super().__init__(name, KeepAliveEndpointConfig.of(action_endpoint))

    def _validate_action_result(self, result: Dict[Text, Any]) -> bool:
        _action_result_validator().validate(result)  # raises jsonschema's ValidationError, as Rasa's does
        return True

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
