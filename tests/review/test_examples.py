"""Reviewed examples: written as Rasa and triage training data with their date, refused with a reason."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from components.triage_model import load_triage_data
from review.examples import DataPaths, ExampleRefused, Label, add_example, reviewed_examples
from tests.triage.sets import SEALED_TRIAGE_SET

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DAY = date(2026, 12, 1)


@pytest.fixture()
def paths(tmp_path: Path) -> DataPaths:
    """Copies of the real training data; the real evaluation sets."""
    shutil.copytree(PROJECT_ROOT / "data" / "nlu", tmp_path / "nlu")
    shutil.copytree(PROJECT_ROOT / "data" / "triage", tmp_path / "triage")
    return DataPaths(nlu_dir=tmp_path / "nlu", triage_dir=tmp_path / "triage")


def test_a_topic_goes_to_the_reviewed_nlu_file_with_its_date_and_rasa_reads_it(paths: DataPaths) -> None:
    from rasa.shared.nlu.training_data.loading import load_data

    written = add_example("Hilft  Heilerde beim löchrigen Darm?", Label(intent="treatment"), DAY, paths)
    assert written == paths.nlu_reviewed
    content = yaml.safe_load(written.read_text(encoding="utf-8"))
    assert content["nlu"] == [
        {
            "intent": "treatment",
            "examples": [
                {"text": "Hilft Heilerde beim löchrigen Darm?", "metadata": {"reviewed": "2026-12-01"}}
            ],
        }
    ]
    loaded = load_data(str(written))
    assert [(m.get("text"), m.get("intent")) for m in loaded.intent_examples] == [
        ("Hilft Heilerde beim löchrigen Darm?", "treatment")
    ]


def test_an_urgent_message_goes_to_the_triage_data_and_the_classifier_reads_it(paths: DataPaths) -> None:
    add_example(
        "Mir ist seit heute früh schwarz vor Augen und ich kippe weg", Label(urgent="emergency"), DAY, paths
    )
    examples = {example.text: example.outcome for example in load_triage_data(paths.triage_dir)}
    assert examples["Mir ist seit heute früh schwarz vor Augen und ich kippe weg"] == "emergency"
    assert reviewed_examples(paths) == [
        ("Mir ist seit heute früh schwarz vor Augen und ich kippe weg", "red_flag:emergency", "2026-12-01")
    ]


def test_nothing_that_leads_back_to_a_conversation_is_written(paths: DataPaths) -> None:
    add_example("Was bringt Heilerde?", Label(intent="treatment"), DAY, paths)
    text = paths.nlu_reviewed.read_text(encoding="utf-8")
    for leak in ("sender", "conversation", "timestamp", "channel", "rest", "socketio"):
        assert leak not in text.lower().split("#")[-1]


def test_a_duplicate_is_refused(paths: DataPaths) -> None:
    add_example("Was bringt Heilerde?", Label(intent="treatment"), DAY, paths)
    with pytest.raises(ExampleRefused, match="schon so"):
        add_example("was bringt heilerde", Label(intent="treatment"), DAY, paths)


def test_training_data_with_another_topic_are_a_contradiction(paths: DataPaths) -> None:
    with pytest.raises(ExampleRefused, match="anderen Thema"):
        add_example("Woher kommt Leaky Gut?", Label(intent="treatment"), DAY, paths)


def test_an_faq_question_is_not_urgent_and_an_urgent_message_is_no_topic(paths: DataPaths) -> None:
    with pytest.raises(ExampleRefused):
        add_example("Woher kommt Leaky Gut?", Label(urgent="emergency"), DAY, paths)
    urgent = load_triage_data(PROJECT_ROOT / "data" / "triage")
    text = next(example.text for example in urgent if example.outcome == "crisis")
    with pytest.raises(ExampleRefused, match="dringend"):
        add_example(text, Label(intent="treatment"), DAY, paths)


def test_an_evaluation_message_never_becomes_training_data(paths: DataPaths) -> None:
    sealed = yaml.safe_load(SEALED_TRIAGE_SET.read_text(encoding="utf-8"))
    text = sealed["examples"][0]["text"]
    with pytest.raises(ExampleRefused, match="Prüfsatz"):
        add_example(text, Label(urgent="crisis"), DAY, paths)
    assert not paths.triage_reviewed.exists()


def test_reviewed_examples_are_counted_per_iso_week() -> None:
    from review.examples import reviewed_per_week

    examples = [("a", "treatment", "2026-11-30"), ("b", "causes", "2026-12-06"), ("c", "x", "2026-12-07")]
    assert reviewed_per_week(examples) == {"2026-W49": 2, "2026-W50": 1}
