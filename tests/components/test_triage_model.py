"""The triage classifier's data, training and one-message scorer (components/triage_model.py)."""

import warnings
from pathlib import Path

import pytest
from sklearn.exceptions import ConvergenceWarning

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


@pytest.mark.parametrize("fit", [triage_model.fit, triage_model.fit_subject], ids=["outcome", "subject"])
def test_a_saved_pipeline_loads_with_the_same_probabilities(examples, fit, tmp_path: Path) -> None:
    pipeline = fit(examples[::4], C=10.0)
    triage_model.save_pipeline(pipeline, tmp_path, "model")
    loaded = triage_model.load_pipeline(tmp_path, "model")
    texts = [e.text for e in examples[2::37]] + ["", "xyzzy", "kein Fieber, aber Blut im Stuhl"]
    for text, expected, got in zip(
        texts, triage_model.probabilities(pipeline, texts), triage_model.probabilities(loaded, texts)
    ):
        assert got == pytest.approx(expected, abs=1e-12), text
    assert triage_model.OneMessageScorer(loaded).probabilities(texts[0]) == pytest.approx(
        triage_model.OneMessageScorer(pipeline).probabilities(texts[0]), abs=1e-12
    )


def test_a_fit_stopped_early_stops_where_configured_without_a_warning(examples) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pipeline = triage_model.fit(examples[::8], C=10.0, max_iter=3)
    assert pipeline.named_steps["classifier"].n_iter_.max() <= 3
    assert not [w for w in caught if issubclass(w.category, ConvergenceWarning)]


def test_crisis_is_decided_before_emergency() -> None:
    scores = {"crisis": 0.6, "emergency": 0.9, "none": 0.0}
    assert triage_model.decide(scores, crisis_threshold=0.5, emergency_threshold=0.5) == "crisis"
    assert triage_model.decide(scores, crisis_threshold=0.7, emergency_threshold=0.5) == "emergency"
    assert triage_model.decide(scores, crisis_threshold=0.7, emergency_threshold=0.95) == "none"


def _word_features(text: str) -> list:
    return triage_model.word_features_text(triage_model.triage_form(text)).split()


def test_denied_signs_are_marked_as_negated_up_to_a_border_or_aber() -> None:
    words = _word_features("Kein Fieber, Blut im Stuhl")
    assert "zznegfieber" in words and "zznegblut" not in words
    words = _word_features("kein Fieber aber Blut im Stuhl")
    assert "zznegfieber" in words and "zznegblut" not in words


def test_dialect_negations_count_as_negations() -> None:
    assert "zznegbluad" in _word_features("I hob koa Bluad gsehn")


def test_the_features_carry_the_length_of_the_message() -> None:
    assert _word_features("Noch nicht")[-1] == "zzlength2"
    long_question = "Ich habe seit drei Tagen Fieber und Durchfall, was soll ich tun?"
    assert _word_features(long_question)[-1] == "zzlength16"
    assert triage_model.length_bucket(40) == "zzlengthlong"


def test_segment_borders_reach_neither_the_words_nor_the_characters() -> None:
    form = triage_model.triage_form("Fieber? Nein. Blut: nein!")
    assert triage_model.SEGMENT_BORDER in form.split()
    assert triage_model.SEGMENT_BORDER not in triage_model.char_features_text(form)
    assert triage_model.SEGMENT_BORDER not in " ".join(_word_features("Fieber? Nein. Blut: nein!"))
