"""The triage classifier's data, training and one-message scorer (components/triage_model.py)."""

from pathlib import Path

import pytest

from components import triage_model

DATA = Path(__file__).resolve().parents[2] / "data" / "triage"


@pytest.fixture(scope="module")
def examples():
    return triage_model.load_triage_data(DATA)


def test_triage_data_has_every_outcome_and_relatives(examples) -> None:
    outcomes = {example.outcome for example in examples}
    assert outcomes == set(triage_model.OUTCOMES)
    assert any(example.about_someone_else for example in examples)
    assert not any(example.about_someone_else for example in examples if example.outcome == "none")


def test_a_file_that_marks_a_non_urgent_message_as_about_someone_else_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.yml").write_text(
        "triage:\n  none: [Ich habe Blähungen]\n  crisis: [Ich will nicht mehr]\n"
        "about_someone_else: [Ich habe Blähungen]\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="not urgent"):
        triage_model.load_triage_data(tmp_path)


def test_the_fingerprint_follows_the_data(tmp_path: Path) -> None:
    path = tmp_path / "data.yml"
    path.write_text("triage:\n  none: [Hallo]\n", encoding="utf-8")
    before = triage_model.fingerprint_of(tmp_path)
    path.write_text("triage:\n  none: [Hallo, Guten Tag]\n", encoding="utf-8")
    assert triage_model.fingerprint_of(tmp_path) != before


@pytest.mark.parametrize("fit", [triage_model.fit, triage_model.fit_subject], ids=["outcome", "subject"])
def test_the_one_message_scorer_gives_the_pipelines_probabilities(examples, fit) -> None:
    sample = examples[::4]  # a quarter of the data trains in a few seconds
    pipeline = fit(sample, C=10.0)
    scorer = triage_model.OneMessageScorer(pipeline)
    texts = [e.text for e in examples[1::37]] + ["", "xyzzy", "Blut im Stuhl!!! 😱", "ÄÖÜ ß"]
    for text, expected in zip(texts, triage_model.probabilities(pipeline, texts)):
        got = scorer.probabilities(text)
        assert got.keys() == expected.keys()
        assert all(abs(got[k] - expected[k]) < 1e-9 for k in got), text


def test_crisis_is_decided_before_emergency() -> None:
    scores = {"crisis": 0.6, "emergency": 0.9, "none": 0.0}
    assert triage_model.decide(scores, crisis_threshold=0.5, emergency_threshold=0.5) == "crisis"
    assert triage_model.decide(scores, crisis_threshold=0.7, emergency_threshold=0.5) == "emergency"
    assert triage_model.decide(scores, crisis_threshold=0.7, emergency_threshold=0.95) == "none"
