"""Candidate models of the staff review page (review/candidates.py) and their figures (review/evaluate.py).

Comparison, activation, rollback, pruning and the figures cache work on small files in tmp_path. One
evaluation runs `python -m review.evaluate` on the trained live model (once per module, about half a
minute), a second one only the reviewed examples missing from a cache. No candidate is trained here
(that takes minutes and is driven from the browser test): the job runner gets stand-in training and
evaluation steps, and `train_candidate` runs for real only in a project without data, where it fails.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any, Dict, Sequence

import pytest

from review.candidates import (
    DONE,
    FAILED,
    NOT_STARTED,
    RUNNING,
    STEP_DONE,
    STEP_TRAINING,
    CandidateError,
    FaqFigures,
    Figures,
    ModelPaths,
    ReviewedExample,
    ReviewedResult,
    Share,
    TrainingJob,
    TriageFigures,
    activate,
    compare,
    evaluate_model,
    evaluation_inputs_fingerprint,
    figures_cache_file,
    model_sha256,
    prune_candidates,
    reviewed_key,
    rollback,
    run_evaluation,
    train_candidate,
)
from review.evaluate import is_expected
from tests.conftest import PROJECT_ROOT
from tests.nlu.sets import SEALED_FAQ_SET
from tests.triage.sets import SEALED_TRIAGE_SET

REVIEWED = (
    ReviewedExample("Was ist eigentlich ein Leaky Gut?", "what_is_leaky_gut"),
    ReviewedExample("Ich habe starke Brustschmerzen und bekomme kaum Luft", "red_flag:emergency"),
)
MEASURES = (
    "Trefferquote (sauber)",
    "Trefferquote (mit Tippfehlern)",
    "nicht verstanden",
    "dringende erkannt",
    "Krisen mit Telefonseelsorge",
    "Fehlalarme",
)


def faq_set(**counts: int) -> FaqFigures:
    defaults = dict(messages=581, correct_clean=546, correct_noisy=527, not_understood_clean=10)
    return FaqFigures(set_name="fresh_sealed6", fingerprint="faq-messages", **{**defaults, **counts})


def triage_set(**counts: int) -> TriageFigures:
    defaults = dict(
        messages=746,
        urgent=378,
        urgent_found=372,
        crisis=127,
        crisis_found=127,
        non_urgent=368,
        false_alarms=19,
    )
    return TriageFigures(set_name="sealed12", fingerprint="triage-messages", **{**defaults, **counts})


def figures(reviewed: Sequence[ReviewedResult] = (), **counts: int) -> Figures:
    faq_fields = set(FaqFigures.__dataclass_fields__)
    return Figures(
        faq=(faq_set(**{k: v for k, v in counts.items() if k in faq_fields}),),
        triage=(triage_set(**{k: v for k, v in counts.items() if k not in faq_fields}),),
        reviewed=tuple(reviewed),
    )


def sets_json() -> Dict[str, Any]:
    """The set figures as review.evaluate prints them."""
    return {
        "faq": {
            "fresh_sealed6": {
                "messages": 10,
                "accuracy_clean": 0.9,
                "accuracy_noisy": 0.8,
                "not_understood_clean": 0.1,
                "counts": {"correct_clean": 9, "correct_noisy": 8, "not_understood_clean": 1},
                "fingerprint": "f",
            }
        },
        "triage": {
            "sealed12": {
                "messages": 6,
                "urgent_recall": 1.0,
                "crisis_recall": 1.0,
                "false_alarm_rate": 0.0,
                "counts": {
                    "urgent": 3,
                    "urgent_found": 3,
                    "crisis": 1,
                    "crisis_found": 1,
                    "non_urgent": 3,
                    "false_alarms": 0,
                },
                "fingerprint": "t",
            }
        },
    }


@pytest.fixture
def paths(tmp_path: Path) -> ModelPaths:
    """Models in tmp_path; trained and evaluated on this project's data."""
    return ModelPaths(models=tmp_path / "models")


def write_model(path: Path, content: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    return path


# --- compare ---------------------------------------------------------------------------------------------


def test_equal_figures_are_not_worse_in_any_row_and_may_be_activated() -> None:
    comparison = compare(figures(), figures())
    assert [row.measure for row in comparison.rows] == list(MEASURES)
    assert [row.set_name for row in comparison.rows] == ["Themen (fresh_sealed6)"] * 3 + [
        "Warnzeichen (sealed12)"
    ] * 3
    assert not any(row.worse for row in comparison.rows)
    assert comparison.may_activate


# The topics may lose one message per set (a reviewed example can tip one that sits between two topics);
# the triage may lose none.
WORSE_BY_ONE_TRIAGE = [
    ("urgent_found", 371, "dringende erkannt"),
    ("crisis_found", 126, "Krisen mit Telefonseelsorge"),
    ("false_alarms", 20, "Fehlalarme"),
]
WORSE_BY_ONE_TOPICS = [
    ("correct_clean", 545, "Trefferquote (sauber)"),
    ("correct_noisy", 526, "Trefferquote (mit Tippfehlern)"),
    ("not_understood_clean", 11, "nicht verstanden"),
]
WORSE_BY_TWO_TOPICS = [
    ("correct_clean", 544, "Trefferquote (sauber)"),
    ("correct_noisy", 525, "Trefferquote (mit Tippfehlern)"),
    ("not_understood_clean", 12, "nicht verstanden"),
]


@pytest.mark.parametrize("count, value, measure", WORSE_BY_ONE_TRIAGE + WORSE_BY_TWO_TOPICS)
def test_a_triage_message_or_two_topic_messages_worse_make_the_row_worse_and_block_activation(
    count: str, value: int, measure: str
) -> None:
    comparison = compare(figures(), figures(**{count: value}))
    assert [row.measure for row in comparison.rows if row.worse] == [measure]
    assert not comparison.may_activate


@pytest.mark.parametrize("count, value, measure", WORSE_BY_ONE_TOPICS)
def test_one_topic_message_worse_is_shown_but_does_not_block_activation(
    count: str, value: int, measure: str
) -> None:
    comparison = compare(figures(), figures(**{count: value}))
    assert not any(row.worse for row in comparison.rows)
    assert [row.measure for row in comparison.rows if row.worse_within_tolerance] == [measure]
    assert comparison.may_activate


@pytest.mark.parametrize("count, value, measure", WORSE_BY_ONE_TRIAGE + WORSE_BY_TWO_TOPICS)
def test_the_opposite_change_is_an_improvement(count: str, value: int, measure: str) -> None:
    comparison = compare(figures(**{count: value}), figures())
    assert not any(row.worse or row.worse_within_tolerance for row in comparison.rows)
    assert comparison.may_activate


def test_rows_carry_the_counts_and_show_them_in_german() -> None:
    row = compare(figures(), figures(correct_clean=547)).rows[0]
    assert (row.live, row.candidate) == (Share(546, 581), Share(547, 581))
    assert row.live_text == "94,0 % (546 von 581)"
    assert row.candidate_text == "94,1 % (547 von 581)"


def test_shares_are_compared_exactly_not_as_rounded_floats() -> None:
    # 1/3 and 2/6 are equal; as floats summed differently they need not be
    assert not compare(figures(crisis=3, crisis_found=1), figures(crisis=6, crisis_found=2)).rows[4].worse
    assert compare(figures(crisis=3, crisis_found=1), figures(crisis=6, crisis_found=1)).rows[4].worse


def test_sets_measured_on_other_messages_are_not_compared() -> None:
    other_messages = replace(figures(), faq=(replace(faq_set(), fingerprint="other messages"),))
    with pytest.raises(CandidateError, match="nicht mit denselben Prüfsätzen"):
        compare(figures(), other_messages)


def test_figures_without_sets_may_not_be_activated() -> None:
    assert not compare(Figures((), ()), Figures((), ())).may_activate


def test_expected_none_accepts_any_answer_but_an_urgent_one() -> None:
    assert is_expected("treatment", "none") and is_expected("nlu_fallback", "none")
    assert not is_expected("red_flag:emergency", "none")
    assert is_expected("red_flag:crisis", "red_flag:crisis")
    assert not is_expected("red_flag:emergency", "red_flag:crisis")
    assert not is_expected("nlu_fallback", "treatment")


# --- activate, rollback, prune ---------------------------------------------------------------------------


def test_activate_keeps_only_the_last_live_model_as_previous(paths: ModelPaths) -> None:
    write_model(paths.live, "v1")
    activate(write_model(paths.candidates / "candidate-2.tar.gz", "v2"), paths)
    assert (paths.live.read_text(), paths.previous.read_text()) == ("v2", "v1")
    activate(write_model(paths.candidates / "candidate-3.tar.gz", "v3"), paths)
    assert (paths.live.read_text(), paths.previous.read_text()) == ("v3", "v2")
    assert (paths.candidates / "candidate-3.tar.gz").read_text() == "v3"
    assert not [p for p in paths.models.rglob("*.tmp")], "no temporary file is left behind"


def test_rollback_swaps_live_and_previous_so_twice_returns_to_the_newer(paths: ModelPaths) -> None:
    write_model(paths.live, "v1")
    activate(write_model(paths.candidates / "candidate-2.tar.gz", "v2"), paths)
    rollback(paths)
    assert (paths.live.read_text(), paths.previous.read_text()) == ("v1", "v2")
    rollback(paths)
    assert (paths.live.read_text(), paths.previous.read_text()) == ("v2", "v1")
    assert not [p for p in paths.models.rglob("*.tmp")]


def test_rollback_without_previous_model_is_refused(paths: ModelPaths) -> None:
    write_model(paths.live, "v1")
    with pytest.raises(CandidateError) as refusal:
        rollback(paths)
    assert refusal.value.message == "Es gibt kein vorheriges Modell."
    assert paths.live.read_text() == "v1"


def test_no_model_is_swapped_while_a_training_holds_the_lock(paths: ModelPaths) -> None:
    write_model(paths.live, "v1")
    candidate = write_model(paths.candidates / "candidate-2.tar.gz", "v2")
    with paths.train_lock.open("a") as held:  # as `flock models/.train.lock` in `make train`
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(CandidateError, match="anderes Training"):
            activate(candidate, paths)
    assert paths.live.read_text() == "v1" and not paths.previous.exists()
    activate(candidate, paths)
    assert paths.live.read_text() == "v2"


def test_a_removed_candidate_is_not_activated(paths: ModelPaths) -> None:
    write_model(paths.live, "v1")
    with pytest.raises(CandidateError, match="gibt es nicht mehr"):
        activate(paths.candidates / "candidate-gone.tar.gz", paths)


def test_prune_keeps_the_newest_candidates_and_figures_of_existing_models(paths: ModelPaths) -> None:
    names = [f"candidate-2026120{day}T100000Z" for day in range(1, 6)]
    for name in names:
        write_model(paths.candidates / f"{name}.tar.gz", name)
        write_model(paths.candidates / f"{name}.log", "log")
        write_model(figures_cache_file(paths.candidates / f"{name}.tar.gz", paths), "{}")
    prune_candidates(paths, keep=3)
    assert sorted(p.name for p in paths.candidates.iterdir()) == sorted(
        f"{name}{suffix}" for name in names[2:] for suffix in (".tar.gz", ".log")
    )
    kept = {model_sha256(paths.candidates / f"{name}.tar.gz") for name in names[2:]}
    assert {p.stem for p in paths.figures.iterdir()} == kept


# --- the figures cache -----------------------------------------------------------------------------------


def write_cache(
    model: Path, paths: ModelPaths, inputs: str, sets: Dict[str, Any], reviewed: Dict[str, Any]
) -> None:
    cache_file = figures_cache_file(model, paths)
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    cache_file.write_text(json.dumps({"inputs": inputs, "sets": sets, "reviewed": reviewed}))


def test_figures_are_cached_by_the_sha256_of_the_model_file(paths: ModelPaths, tmp_path: Path) -> None:
    model = write_model(tmp_path / "a.tar.gz", "not a real model: evaluating it would fail")
    example = REVIEWED[0]
    reviewed = {reviewed_key(example): {"got": "nlu_fallback", "correct": False}}
    write_cache(model, paths, evaluation_inputs_fingerprint(), sets_json(), reviewed)
    assert figures_cache_file(model, paths).name == f"{model_sha256(model)}.json"

    same_content = shutil.copy(model, tmp_path / "b.tar.gz")
    for path in (model, Path(same_content)):
        result = evaluate_model(path, [example], paths)
        assert result.faq[0].correct_clean == 9 and result.triage[0].urgent_found == 3
        assert result.reviewed == (ReviewedResult(example.text, example.expected, "nlu_fallback", False),)


def test_a_stale_cache_entry_is_not_used_and_a_failed_evaluation_is_reported(
    paths: ModelPaths, tmp_path: Path
) -> None:
    model = write_model(tmp_path / "broken.tar.gz", "not a real model")
    write_cache(model, paths, "inputs of another day", sets_json(), {})
    with pytest.raises(CandidateError) as failure:
        evaluate_model(model, (), paths)
    assert failure.value.message == "Die Prüfung des Modells broken.tar.gz ist fehlgeschlagen."
    assert failure.value.detail.strip(), "the detail holds the tail of the process's stderr"


# --- the real evaluation of the live model ----------------------------------------------------------------


@pytest.fixture(scope="module")
def live_output(model_path: Path) -> Dict[str, Any]:
    """What `python -m review.evaluate` prints for the live model (once per module)."""
    return run_evaluation(model_path, REVIEWED, with_sets=True)


def test_evaluate_prints_the_figures_of_the_sealed_sets_and_the_reviewed_examples(
    live_output: Dict[str, Any],
) -> None:
    assert set(live_output) == {"faq", "triage", "reviewed"}
    assert list(live_output["faq"]) == [SEALED_FAQ_SET]
    assert list(live_output["triage"]) == [SEALED_TRIAGE_SET.stem]
    faq = live_output["faq"][SEALED_FAQ_SET]
    assert faq["messages"] > 300
    for measure in ("accuracy_clean", "accuracy_noisy", "not_understood_clean"):
        assert 0 <= faq[measure] <= 1
        assert faq[measure] == faq["counts"][measure.replace("accuracy", "correct")] / faq["messages"]
    triage = live_output["triage"][SEALED_TRIAGE_SET.stem]
    counts = triage["counts"]
    assert triage["messages"] == counts["urgent"] + counts["non_urgent"] > 400
    for measure, (found, total) in {
        "urgent_recall": ("urgent_found", "urgent"),
        "crisis_recall": ("crisis_found", "crisis"),
        "false_alarm_rate": ("false_alarms", "non_urgent"),
    }.items():
        assert 0 <= triage[measure] <= 1 and 0 <= counts[found] <= counts[total]
    assert [(item["text"], item["expected"]) for item in live_output["reviewed"]] == [
        (example.text, example.expected) for example in REVIEWED
    ]
    for item in live_output["reviewed"]:
        assert set(item) == {"text", "expected", "got", "correct"}
        assert item["correct"] == is_expected(item["got"], item["expected"])
    assert (
        live_output["reviewed"][1]["got"] in ("red_flag:emergency", "red_flag:crisis")
        or not (live_output["reviewed"][1]["correct"])
    )


def test_the_live_model_is_not_worse_than_itself(live_output: Dict[str, Any]) -> None:
    live = Figures.from_json(live_output)
    assert 0 <= live.faq[0].accuracy_clean <= 1 and 0 <= live.triage[0].false_alarm_rate <= 1
    assert compare(live, live).may_activate


def test_only_uncached_reviewed_examples_are_evaluated_and_no_text_is_cached(
    live_output: Dict[str, Any], model_path: Path, paths: ModelPaths
) -> None:
    sets = {"faq": live_output["faq"], "triage": live_output["triage"]}
    first = live_output["reviewed"][0]
    cached = {reviewed_key(REVIEWED[0]): {"got": first["got"], "correct": first["correct"]}}
    write_cache(model_path, paths, evaluation_inputs_fingerprint(), sets, cached)

    result = evaluate_model(model_path, REVIEWED, paths)  # evaluates the second example only, no sets

    assert result.faq == Figures.from_json(live_output).faq
    assert [r.got for r in result.reviewed] == [item["got"] for item in live_output["reviewed"]]
    cache_text = figures_cache_file(model_path, paths).read_text()
    assert set(json.loads(cache_text)["reviewed"]) == {reviewed_key(example) for example in REVIEWED}
    assert not any(example.text in cache_text for example in REVIEWED)


def test_the_review_server_side_imports_neither_rasa_nor_tensorflow() -> None:
    code = (
        "import sys, review.candidates; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'rasa', 'tensorflow'}))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "[]"


# --- training ---------------------------------------------------------------------------------------------


def test_a_failed_training_is_reported_with_its_log(tmp_path: Path) -> None:
    empty_project = tmp_path / "project"  # no config.yml, domain.yml or data: Rasa stops at once
    empty_project.mkdir()
    paths = ModelPaths.for_project(empty_project)
    steps = []
    with pytest.raises(CandidateError) as failure:
        train_candidate(paths, on_step=steps.append)
    assert failure.value.message == "Das Training ist fehlgeschlagen."
    assert "config.yml" in failure.value.detail
    assert steps == [STEP_TRAINING]
    (log,) = paths.candidates.glob("candidate-*.log")
    assert "config.yml" in log.read_text()
    assert not list(paths.candidates.glob("*.tar.gz"))


# --- the job runner (stand-in steps: a candidate training takes minutes) ----------------------------------


class StandInSteps:
    """Training copies a prepared file; evaluation returns prepared figures per model content."""

    def __init__(
        self, figures_by_content: Dict[str, Figures], release: threading.Event | None = None
    ) -> None:
        self.figures_by_content = figures_by_content
        self.release = release

    def train(self, paths: ModelPaths, on_step) -> Path:
        on_step(STEP_TRAINING)
        if self.release is not None:
            assert self.release.wait(10)
        return write_model(paths.candidates / "candidate-20261201T120000Z.tar.gz", "candidate")

    def evaluate(self, model: Path, reviewed: Sequence[ReviewedExample], paths: ModelPaths) -> Figures:
        return self.figures_by_content[model.read_text()]


def answered(got: str, correct: bool) -> ReviewedResult:
    return ReviewedResult(REVIEWED[0].text, REVIEWED[0].expected, got, correct)


def test_the_job_reports_its_comparison_and_its_candidate_is_activated_once(paths: ModelPaths) -> None:
    write_model(paths.live, "live")
    steps = StandInSteps(
        {
            "live": figures([answered("nlu_fallback", False)]),
            "candidate": figures([answered("what_is_leaky_gut", True)], correct_clean=550),
        }
    )
    job = TrainingJob(paths, trainer=steps.train, evaluator=steps.evaluate)
    assert job.status().state == NOT_STARTED and not job.status().running

    assert job.start(REVIEWED[:1]).state == RUNNING
    status = job.wait(10)

    assert (status.state, status.step, status.error) == (DONE, STEP_DONE, None)
    assert status.started_at <= status.finished_at
    assert status.result.comparison.may_activate
    assert status.result.comparison.rows[0].candidate == Share(550, 581)
    (check,) = status.result.reviewed
    assert (check.live_got, check.got, check.correct, check.newly_correct) == (
        "nlu_fallback",
        "what_is_leaky_gut",
        True,
        True,
    )
    job.activate()
    assert (paths.live.read_text(), paths.previous.read_text()) == ("candidate", "live")
    with pytest.raises(CandidateError, match="hat sich seit der Prüfung geändert"):
        job.activate()  # a second activation would drop the real previous model
    job.clear()
    assert job.status().state == NOT_STARTED


def test_a_worse_candidate_is_not_activated(paths: ModelPaths) -> None:
    write_model(paths.live, "live")
    steps = StandInSteps({"live": figures(), "candidate": figures(false_alarms=20)})
    job = TrainingJob(paths, trainer=steps.train, evaluator=steps.evaluate)
    job.start(())
    assert job.wait(10).state == DONE and not job.status().result.comparison.may_activate
    with pytest.raises(CandidateError, match="schlechter"):
        job.activate()
    assert paths.live.read_text() == "live"


def test_only_one_job_runs_at_a_time(paths: ModelPaths) -> None:
    write_model(paths.live, "live")
    release = threading.Event()
    steps = StandInSteps({"live": figures(), "candidate": figures()}, release)
    job = TrainingJob(paths, trainer=steps.train, evaluator=steps.evaluate)
    job.start(())
    try:
        assert job.status().running
        for starter in (job, TrainingJob(paths, trainer=steps.train, evaluator=steps.evaluate)):
            with pytest.raises(CandidateError, match="läuft bereits"):
                starter.start(())
    finally:
        release.set()
    assert job.wait(10).state == DONE
    job.start(())  # the next one may start once it is done
    assert job.wait(10).state == DONE


def test_a_failed_step_is_reported_in_german_and_frees_the_runner(paths: ModelPaths) -> None:
    write_model(paths.live, "live")

    def failing_training(paths: ModelPaths, on_step) -> Path:
        on_step(STEP_TRAINING)
        raise CandidateError("Das Training ist fehlgeschlagen.", "Traceback ...")

    job = TrainingJob(paths, trainer=failing_training, evaluator=StandInSteps({}).evaluate)
    job.start(())
    status = job.wait(10)
    assert (status.state, status.step, status.error, status.error_detail) == (
        FAILED,
        STEP_TRAINING,
        "Das Training ist fehlgeschlagen.",
        "Traceback ...",
    )
    assert status.result is None and status.finished_at is not None
    with pytest.raises(CandidateError, match="kein geprüftes neues Modell"):
        job.activate()
    steps = StandInSteps({"live": figures(), "candidate": figures()})
    next_job = TrainingJob(paths, trainer=steps.train, evaluator=steps.evaluate)
    next_job.start(())
    assert next_job.wait(10).state == DONE


def test_a_job_without_live_model_fails_before_training(paths: ModelPaths) -> None:
    trained = []
    job = TrainingJob(
        paths, trainer=lambda p, on_step: trained.append(p), evaluator=StandInSteps({}).evaluate
    )
    job.start(())
    status = job.wait(10)
    assert status.state == FAILED and "kein aktuelles Modell" in status.error and not trained
