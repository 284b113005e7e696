"""Custom Rasa NLU components of the practice assistant (run inside the Rasa server)."""
