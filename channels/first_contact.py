"""First contact on the messengers: the first answer of a new conversation on Facebook Messenger, WhatsApp
or Telegram comes after one line saying that an automated assistant answers (AI Act Art. 50) and where
the privacy notice is (DSGVO Art. 13). The website widget shows both on its consent screen instead.

"New" means nothing of the conversation is stored: a sender the tracker store has never seen, or one
whose conversation was erased ("Daten löschen", `make erase`) or purged since. The decision is made in
Rasa's session start, because that is where Rasa itself has just read the conversation:

- Rasa reads the conversation from the tracker store for every message, inside the conversation's lock
  (the Redis lock store across processes in production), and runs `action_session_start` when the
  conversation has no events after its last restart or its session expired. The tracker that action
  gets holds the stored events of the latest session, so it is empty exactly when nothing of the
  conversation is stored. Asking there costs no database access at all; checking the store from the
  webhook would add a query to every message.
- It holds across several Rasa processes: it looks only at what the shared store holds, under the lock,
  so a second process sees the first message's events, and an erasure or purge by any process or
  command leaves nothing for the next message to find. A per-process memory of known senders would
  not: messenger webhooks are spread over the processes, and it would miss an erasure elsewhere.
- The line is a bot message among the session start's events, so Rasa sends it through the channel's
  output (and the outbox, in order) before anything of the answer, and stores it with the
  conversation: an export shows that the patient was told.

Rasa builds its default actions from the class name in `rasa.core.actions.action`; `install()` rebinds
it (called by channels/enabling.install, see addons/patches.py). A custom `action_session_start` in
domain.yml would replace this one: it would then have to send the line itself.
"""

from __future__ import annotations

from typing import List, Optional, Text

import rasa.core.actions.action
from rasa.core.actions.action import ActionSessionStart
from rasa.core.channels.channel import OutputChannel
from rasa.core.nlg import NaturalLanguageGenerator
from rasa.shared.core.constants import SESSION_START_METADATA_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, Event, SessionStarted, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from channels.messenger_common import messenger_texts

# Output channel names (OutputChannel.name()) of the channels whose first answer gets the line.
FIRST_CONTACT_CHANNELS = frozenset({"facebook", "whatsapp", "telegram"})


def is_new_conversation(tracker: DialogueStateTracker) -> bool:
    """Nothing of this conversation is stored: the tracker Rasa read for this message is empty.

    Rasa puts the message's metadata into a slot just before the session start; that is not stored yet."""
    return all(_is_session_start_metadata(event) for event in tracker.events)


def first_contact_due(channel_name: Text, tracker: DialogueStateTracker) -> bool:
    return channel_name in FIRST_CONTACT_CHANNELS and is_new_conversation(tracker)


def _is_session_start_metadata(event: Event) -> bool:
    return isinstance(event, SlotSet) and event.key == SESSION_START_METADATA_SLOT


class FirstContactSessionStart(ActionSessionStart):
    """Rasa's session start, with the first-contact line right after `SessionStarted` when it is due."""

    async def run(
        self,
        output_channel: Optional[OutputChannel],  # None when the HTTP API or a prediction starts a session
        nlg: NaturalLanguageGenerator,
        tracker: DialogueStateTracker,
        domain: Domain,
    ) -> List[Event]:
        events = await super().run(output_channel, nlg, tracker, domain)
        if output_channel is None or not first_contact_due(output_channel.name(), tracker):
            return events
        # After SessionStarted, so the line belongs to the new session that Rasa reads back.
        start = next(index for index, event in enumerate(events) if isinstance(event, SessionStarted))
        return [*events[: start + 1], BotUttered(messenger_texts().first_contact), *events[start + 1 :]]


def install() -> None:
    rasa.core.actions.action.ActionSessionStart = FirstContactSessionStart  # type: ignore[misc]
