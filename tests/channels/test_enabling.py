"""Channels whose environment variables are missing are left out of the Rasa server, with one log line."""

import logging

from channels.enabling import create_enabled_input_channels
from channels.facebook import PatientFacebookInput
from channels.rest import PatientRestInput

CREDENTIALS = "channels.rest.PatientRestInput:\nchannels.facebook.PatientFacebookInput:\n"
FACEBOOK = {"FACEBOOK_VERIFY_TOKEN": "v", "FACEBOOK_APP_SECRET": "s", "FACEBOOK_PAGE_ACCESS_TOKEN": "t"}


def test_channel_with_credentials_is_enabled(tmp_path, monkeypatch) -> None:
    for name, value in FACEBOOK.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "credentials.yml").write_text(CREDENTIALS)
    channels = create_enabled_input_channels(None, str(tmp_path / "credentials.yml"))
    assert [type(c) for c in channels] == [PatientRestInput, PatientFacebookInput]
    assert channels[1].fb_secret == "s"


def test_channel_without_credentials_is_left_out_with_one_log_line(tmp_path, monkeypatch, caplog) -> None:
    monkeypatch.setenv("FACEBOOK_VERIFY_TOKEN", "secret-value")
    monkeypatch.delenv("FACEBOOK_APP_SECRET", raising=False)
    monkeypatch.setenv("FACEBOOK_PAGE_ACCESS_TOKEN", "")
    (tmp_path / "credentials.yml").write_text(CREDENTIALS)
    with caplog.at_level(logging.WARNING):
        channels = create_enabled_input_channels(None, str(tmp_path / "credentials.yml"))
    assert [type(c) for c in channels] == [PatientRestInput]
    [line] = [r.getMessage() for r in caplog.records if "not enabled" in r.getMessage()]
    assert (
        "FACEBOOK_APP_SECRET" in line and "FACEBOOK_PAGE_ACCESS_TOKEN" in line and "secret-value" not in line
    )
