"""The FAQ evaluation sets by name, importable without Rasa (the review page's server imports them)."""

# The FAQ evaluation sets in tests/nlu/, oldest first; the newest is sealed: it judges the current model and
# is never used to choose anything (docs/understanding.md says when each was scored). fresh_sealed to
# fresh_sealed3 are training data since round 11, fresh_sealed4 and fresh_sealed5 since round 12 (data/nlu/,
# blocks headed "Moved here in round 11" / "round 12").
FAQ_SETS = (
    "holdout",
    "blind",
    "sealed",
    "fresh_dev",
    "fresh_sealed6",
    "fresh_sealed7",
    "fresh_sealed8",
)
SEALED_FAQ_SET = "fresh_sealed8"
FAQ_DEVELOPMENT_SETS = tuple(name for name in FAQ_SETS if name != SEALED_FAQ_SET)
# Written for the next change and never scored yet: not in FAQ_SETS, so neither `make bench` nor a tuner
# reads it.
# The next change scores it with the model of that moment first and makes it SEALED_FAQ_SET.
NEXT_SEALED_FAQ_SET = "fresh_sealed9"
