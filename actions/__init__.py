"""Custom actions of the practice assistant, run by the rasa-sdk action server (one module per concern)."""
