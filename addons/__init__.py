"""Extensions of the Rasa server itself: tracker store, resilient custom actions, start-up entry point."""
