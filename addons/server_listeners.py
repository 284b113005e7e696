"""Sanic listeners on the app that Rasa's `configure_app` builds (for `rasa run` and `rasa shell`)."""

from __future__ import annotations

from typing import Any, Callable

import rasa.core.run


def add_server_listener(listener: Callable[..., Any], event: str) -> None:
    """Registers `listener` for the Sanic `event` (e.g. "after_server_start") on every app Rasa configures."""
    configure_app = rasa.core.run.configure_app

    def configure(*args: Any, **kwargs: Any) -> Any:
        app = configure_app(*args, **kwargs)
        app.register_listener(listener, event)
        return app

    rasa.core.run.configure_app = configure
