"""The FAQ evaluation sets by name, importable without Rasa (the review page's server imports them)."""

# The FAQ evaluation sets in tests/nlu/, oldest first; the newest is sealed: it judges the current model and
# is never used to choose anything (docs/understanding.md says when each was scored).
FAQ_SETS = (
    "holdout",
    "blind",
    "sealed",
    "fresh_dev",
    "fresh_sealed",
    "fresh_sealed2",
    "fresh_sealed3",
    "fresh_sealed4",
    "fresh_sealed5",
    "fresh_sealed6",
    "fresh_sealed7",
)
SEALED_FAQ_SET = "fresh_sealed7"
FAQ_DEVELOPMENT_SETS = tuple(name for name in FAQ_SETS if name != SEALED_FAQ_SET)
