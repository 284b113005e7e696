"""Channels in credentials.yml whose environment variables are missing are not enabled.

Rasa creates every channel listed in credentials.yml (rasa.core.run.create_http_input_channels) and stops
if one fails. `install()` (called by addons/rasa_main.py) wraps that so a channel raising
ChannelNotConfigured is left out: its webhook path does not exist, and one log line names the missing
variables (names only, never values).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

import rasa.core.run
import rasa.shared.utils.io
from rasa.core.channels.channel import InputChannel

from channels.messenger_common import ChannelNotConfigured

logger = logging.getLogger(__name__)


def create_enabled_input_channels(
    channel: Optional[Text], credentials_file: Optional[Text]
) -> List[InputChannel]:
    """Rasa's create_http_input_channels without the channels that are not configured."""
    all_credentials: Dict[Text, Any] = (
        rasa.shared.utils.io.read_config_file(credentials_file) if credentials_file else {}
    )
    names = [channel] if channel else list(all_credentials)
    enabled = []
    for name in names:
        try:
            enabled.append(rasa.core.run._create_single_channel(name, all_credentials.get(name)))
        except ChannelNotConfigured as not_configured:
            logger.warning("%s", not_configured)
    return enabled


def install() -> None:
    rasa.core.run.create_http_input_channels = create_enabled_input_channels
