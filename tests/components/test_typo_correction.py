"""Typo correction (components/typo_correction.py), built as the pipeline builds it: from data/nlu and
wordfreq's German list, with the alarm words of the pattern file in force."""

import os
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest
import yaml
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components import safety_checks
from components.typo_correction import (
    TYPED_TEXT,
    Target,
    TypedTextRestorer,
    TypoCorrection,
    TypoCorrector,
    Vocabulary,
    alarm_vocabulary,
    fold,
    pattern_literals,
    training_texts,
    typed_offset,
    without_negative_lookarounds,
    words_of,
)
from tests.triage.sets import DEV_SET, load_set

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TYPO_SET = PROJECT_ROOT / "tests" / "nlu" / "fresh_dev_typos.yml"


@pytest.fixture(scope="module")
def corrector() -> TypoCorrection:
    return TypoCorrection.from_training_counts(
        words_of(training_texts(load_data(str(PROJECT_ROOT / "data/nlu"))))
    )


# --- what it corrects ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, meant",
    [
        ("Sprehcstunde", "Sprechstunde"),
        ("diangostiziert", "diagnostiziert"),
        ("zonuiln", "zonulin"),
        ("dageegn", "dagegen"),
        ("Darmbrariere", "Darmbarriere"),
    ],
)
def test_corrects_the_misspelt_key_words_of_issue_12(
    corrector: TypoCorrection, typed: str, meant: str
) -> None:
    assert corrector.correct_word(typed) == meant


def test_corrects_words_inside_a_message_and_keeps_everything_else(corrector: TypoCorrection) -> None:
    assert corrector.correct_text("Wann ist die Sprehcstunde??  Und was kann ich dageegn tun :)") == (
        "Wann ist die Sprechstunde??  Und was kann ich dagegen tun :)"
    )


@pytest.mark.parametrize("typed, meant", [("SPREHCSTUNDE", "SPRECHSTUNDE"), ("termni", "termin")])
def test_writes_the_correction_in_the_patients_casing(
    corrector: TypoCorrection, typed: str, meant: str
) -> None:
    assert corrector.correct_word(typed) == meant


# --- what it leaves alone ------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["Tst", "Trm", "Dam", "ned", "hob"])
def test_words_of_three_letters_or_fewer_are_never_changed(corrector: TypoCorrection, word: str) -> None:
    assert corrector.correct_word(word) == word


def test_never_corrects_into_a_word_of_three_letters(corrector: TypoCorrection) -> None:
    assert "und" not in corrector.candidates("unnd")


@pytest.mark.parametrize("word", ["Xylophonkonzert", "asdfgh", "Quarkstrudelfabrik", "Zwetschgendatschi"])
def test_unknown_words_close_to_nothing_stay(corrector: TypoCorrection, word: str) -> None:
    assert corrector.correct_word(word) == word


@pytest.mark.parametrize("word", ["Bier", "Mann", "kriagt", "heid", "mude", "Muedigkeit"])
def test_real_words_dialect_and_umlaut_free_spellings_stay(corrector: TypoCorrection, word: str) -> None:
    assert corrector.correct_word(word) == word


@pytest.mark.parametrize("text", ["Mach's gut", "wos i da über mi g'schriebn hob", "Macg's gut"])
def test_contractions_stay_as_typed(corrector: TypoCorrection, text: str) -> None:
    assert corrector.correct_text(text) == text


# --- alarm words ---------------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["Bluut", "Stuhlgnag", "Fiebr", "Durchfal", "Atemnott", "bluat", "Sucid"])
def test_misspelt_alarm_words_stay_as_typed(corrector: TypoCorrection, word: str) -> None:
    assert corrector.correct_word(word) == word


def _typos_of(word: str) -> List[str]:
    """A letter dropped, doubled or swapped with its neighbour."""
    dropped = [word[:i] + word[i + 1 :] for i in range(len(word))]
    doubled = [word[:i] + word[i] + word[i:] for i in range(len(word))]
    swapped = [word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)]
    return dropped + doubled + swapped


def test_no_typo_of_an_alarm_word_is_changed(corrector: TypoCorrection) -> None:
    """Every word of the red-flag patterns, misspelt: never corrected OUT of what the patient may mean."""
    alarm = alarm_vocabulary(corrector.vocabulary.common_words)
    alarm_words = [word for word in alarm.words if len(word) > 3]
    assert {"blut", "stuhlgang", "fieber", "durchfall", "atemnot", "sterben", "nicht"} <= set(alarm_words)
    changed = [
        (typo, corrector.correct_word(typo))
        for word in alarm_words
        for typo in _typos_of(word)
        if corrector.correct_word(typo) != typo
    ]
    assert not changed


def test_a_typo_one_letter_from_a_short_alarm_word_is_not_corrected_into_another_word(
    corrector: TypoCorrection,
) -> None:
    assert "weer" in corrector.candidates("weeh")  # a training word the patient did not mean
    assert corrector.correct_word("weeh") == "weeh"  # "weh", too short to correct into, may be meant


def _real_words() -> List[str]:
    texts = [example.text for example in load_set(DEV_SET)]
    texts += [message.get(TEXT) for message in load_data(str(TYPO_SET)).intent_examples]
    return sorted({word for text in texts for word in text.replace("'", " ").split()})


def test_no_correction_of_a_real_message_word_starts_or_ends_at_an_alarm_word(
    corrector: TypoCorrection,
) -> None:
    alarm = alarm_vocabulary(corrector.vocabulary.common_words)
    corrections = {}
    for word in _real_words():
        letters = "".join(char for char in word if char.isalpha())
        if letters and corrector.correct_word(letters) != letters:
            corrections[letters] = corrector.correct_word(letters)
    assert len(corrections) > 100  # the check saw real corrections
    touching_alarm = {
        typed: corrected
        for typed, corrected in corrections.items()
        if alarm.contains(fold(typed)) or alarm.contains(fold(corrected))
    }
    assert not touching_alarm


def test_no_triage_dev_message_changes_its_red_flag_hit_through_the_word_corrections(
    corrector: TypoCorrection,
) -> None:
    examples = load_set(DEV_SET)
    corrected = {example.text: corrector.correct_words(example.text) for example in examples}
    assert sum(text != fixed for text, fixed in corrected.items()) > 0  # the check saw corrections
    changed = [
        text
        for text, fixed in corrected.items()
        if safety_checks.find_red_flag(fixed) != safety_checks.find_red_flag(text)
    ]
    assert not changed


def test_a_message_whose_red_flag_hit_would_change_stays_as_typed() -> None:
    """A context word (no alarm word) inside a red-flag match: the message check keeps the typed text."""
    vocabulary = Vocabulary(
        targets={"heil": Target("heil", 1, 0.0)}, protected=frozenset(), common_words=frozenset()
    )
    correction = TypoCorrection(vocabulary)
    typed = "Durchfall und heid auf amoi 39 Fieber"
    assert correction.correct_words(typed) == "Durchfall und heil auf amoi 39 Fieber"
    assert safety_checks.find_red_flag(typed) is not None  # the correction would change its matched text
    assert correction.correct_text(typed) == typed


def test_alarm_vocabulary_reads_the_pattern_file(corrector: TypoCorrection) -> None:
    alarm = alarm_vocabulary(corrector.vocabulary.common_words)
    for word in ["blut", "blutiger", "fieber", "teerstuhl", "bluat", "selbstmord", "durchfaellen", "luftnot"]:
        assert alarm.contains(word), word
    for word in ["sprechstunde", "termin", "zonulin", "mich", "jetzt", "gerne"]:
        assert not alarm.contains(word), word


def test_pattern_literals_skip_what_only_stops_a_match() -> None:
    source = r"\b(?:blutig\w* (?:im|am) stuhle?(?! (?:nicht|kein\w*)\b)|(?<!kein )teer)\b"
    assert without_negative_lookarounds(source) == r"\b(?:blutig\w* (?:im|am) stuhle?|teer)\b"
    words, stems = pattern_literals(source)
    assert set(words) == {"blutig", "im", "am", "stuhle", "stuhl", "teer"}
    assert stems == ["blutig"]


# --- vocabulary and Rasa components --------------------------------------------------------------


def test_vocabulary_survives_its_json(corrector: TypoCorrection) -> None:
    assert Vocabulary.from_json(corrector.vocabulary.to_json()) == corrector.vocabulary


@pytest.mark.parametrize(
    "typed, corrected",
    [
        ("Wann ist die Sprehcstunde?", "Wann ist die Sprechstunde?"),
        ("Was ist zonuiln, bitte", "Was ist zonulin, bitte"),
        ("Termni absagen", "Termin absagen"),
        ("Die Sprechstunnde und der Termn?", "Die Sprechstunde und der Termin?"),
        ("Sprechstunnde, Termn", "Sprechstunde, Termin"),
    ],
)
def test_typed_offset_maps_every_word_boundary_back(typed: str, corrected: str) -> None:
    for start, end in [(0, len(corrected))] + [(i, i) for i in range(len(corrected) + 1)]:
        assert 0 <= typed_offset(start, corrected, typed) <= typed_offset(end, corrected, typed) <= len(typed)
    corrected_words = corrected.split()
    typed_words = typed.split()
    position = 0
    for corrected_word, typed_word in zip(corrected_words, typed_words):
        start = corrected.index(corrected_word, position)
        end = start + len(corrected_word)
        assert (
            typed[typed_offset(start, corrected, typed) : typed_offset(end, corrected, typed)] == typed_word
        )
        position = end


def test_components_correct_for_the_features_and_give_back_the_typed_text(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("typo_corrector")
    training = TrainingData(
        [Message(data={TEXT: "Wann ist die Sprechstunde?", "intent": "opening_hours"})],
        lookup_tables=[{"name": "trigger", "elements": ["Zonulin"]}],
    )
    trained = TypoCorrector.create({}, storage, resource, None)  # type: ignore[arg-type]
    trained.train(training)
    assert (
        trained.process_training_data(training).training_examples[0].get(TEXT) == "Wann ist die Sprechstunde?"
    )
    loaded = TypoCorrector.load({}, storage, resource, None)  # type: ignore[arg-type]

    message = Message(data={TEXT: "Wann ist die Sprehcstunde? zonuiln"})
    loaded.process([message])
    assert message.get(TEXT) == "Wann ist die Sprechstunde? zonulin"  # a lookup-table word
    assert message.get(TYPED_TEXT) == "Wann ist die Sprehcstunde? zonuiln"
    assert TYPED_TEXT not in message.as_dict(only_output_properties=True)

    TypedTextRestorer().process([message])
    assert message.get(TEXT) == "Wann ist die Sprehcstunde? zonuiln"
    assert message.get(TYPED_TEXT) is None


def test_a_message_without_typos_is_left_untouched(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    corrector = TypoCorrector.create({}, storage, Resource("typo_corrector"), None)  # type: ignore[arg-type]
    corrector.train(TrainingData([Message(data={TEXT: "Wann ist die Sprechstunde?", "intent": "x"})]))
    message = Message(data={TEXT: "Wann ist die Sprechstunde?"})
    corrector.process([message])
    TypedTextRestorer().process([message])
    assert message.data == {TEXT: "Wann ist die Sprechstunde?"}


# --- in a trained model --------------------------------------------------------------------------


def config_with_typo_correction() -> dict:
    """config.yml with the corrector before spaCy and the restorer after the last featurizer."""
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    names = [component["name"] for component in config["pipeline"]]
    if "components.typo_correction.TypoCorrector" not in names:
        classifier = names.index("components.linear_svm_classifier.LinearSVMIntentClassifier")
        config["pipeline"].insert(classifier, {"name": "components.typo_correction.TypedTextRestorer"})
        config["pipeline"].insert(
            names.index("components.german_spacy.GermanSpacyNLP"),
            {"name": "components.typo_correction.TypoCorrector"},
        )
    return config


@pytest.fixture(scope="module")
def model_with_typo_correction(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("typo_model")
    config_path = directory / "config.yml"
    config_path.write_text(yaml.safe_dump(config_with_typo_correction()))
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "TQDM_DISABLE": "1",
        "RASA_CACHE_DIRECTORY": str(directory / "cache"),
    }
    command = ["train", "nlu", "--config", str(config_path), "--nlu", "data/nlu", "--out", str(directory)]
    result = subprocess.run(
        [sys.executable, "-m", "addons.rasa_main", *command, "--fixed-model-name", "nlu"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return directory / "nlu.tar.gz"


async def test_trained_model_classifies_the_corrected_text_and_returns_the_typed_one(
    model_with_typo_correction: Path,
) -> None:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model_with_typo_correction))
    # a letter too many, a swap, a wrong key, a letter missing: the offsets move both ways
    typed = "Kann ich die Sprechstunnde per Videi machen, wegen Zonuiln und dem Termn?"
    corrected = "Kann ich die Sprechstunde per Video machen, wegen Zonulin und dem Termin?"
    parsed = await agent.parse_message(typed)
    assert parsed["text"] == typed
    # the FAQ classifier saw exactly what it sees for the corrected text
    assert parsed["intent_ranking"] == (await agent.parse_message(corrected))["intent_ranking"]
    # token offsets point into the typed text
    assert [typed[start:end] for start, end in parsed["text_tokens"]] == (
        typed.replace(",", " ,").replace("?", " ?").split()
    )


async def test_trained_model_triages_the_typed_text(model_with_typo_correction: Path) -> None:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model_with_typo_correction))
    parsed = await agent.parse_message("Seit heute Bluut im Stuhlgnag und schwarz")
    assert parsed["text"] == "Seit heute Bluut im Stuhlgnag und schwarz"
    assert parsed["intent"]["name"] == "red_flag"
