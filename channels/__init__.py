"""Input channels of the Rasa server (Rasa's own, subclassed where patients need more care)."""
