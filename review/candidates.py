"""Candidate models for the review page: train, evaluate, compare with the live one, activate, roll back.

"Neu trainieren und prüfen" (issue 14) runs as a `TrainingJob` in a background thread, so the page stays
responsive: it trains a candidate into models/candidates/ (under the same lock as `make train`), evaluates
it and the live model on the newest sealed sets and on the reviewed examples (`python -m review.evaluate`,
in its own process: this module imports neither Rasa nor TensorFlow), and compares the two per set and
measure. Only a candidate that is not worse in any row may become the live model; the live model it
replaces is kept in models/previous/ for a one-click rollback (which swaps the two, so a second rollback
returns to the newer one).

Figures of a model are cached in models/figures/<sha256 of the model file>.json, so the live model is
evaluated once, not for every candidate. A cache entry holds the fingerprint of what else the figures
depend on (the sealed sets, data/nlu, whose examples are left out of the FAQ sets, the components and the
evaluation code); when that changed, the model is evaluated again. Reviewed examples are cached by the
sha256 of their text and label only, so the cache holds no message text.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple

from review.evaluate import FAQ_SEALED_SETS, PROJECT_ROOT, TRIAGE_SEALED_SETS

LIVE_MODEL_NAME = "leaky-gut-assistant.tar.gz"  # the Makefile's MODEL
CANDIDATE_PREFIX = "candidate-"
KEEP_CANDIDATES = 3  # the newest few; an activated one lives on as a copy in models/
TRAIN_TIMEOUT_SECONDS = 30 * 60  # `make train` takes minutes, far less than this
EVALUATE_TIMEOUT_SECONDS = 20 * 60  # about half a minute for the sets
LOCK_WAIT_SECONDS = 30 * 60  # for a `make train` that holds the training lock
STDERR_TAIL_LINES = 30
# As the Makefile exports them. Telemetry would send usage data and crash reports (which can hold
# health data) to Rasa.
MODEL_PROCESS_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "TQDM_DISABLE": "1",
}
# Besides the model, what the figures depend on (see the module docstring).
EVALUATION_INPUT_PATTERNS = ("data/nlu/**/*.yml", "components/**/*.py", "components/**/*.yml")
EVALUATION_CODE = ("review/evaluate.py", "tests/nlu/holdout.py", "tests/triage/sets.py")

NOT_STARTED, RUNNING, DONE, FAILED = "", "läuft", "fertig", "fehlgeschlagen"
STEP_STARTING = "Wird gestartet"
STEP_WAITING_FOR_LOCK = "Wartet, bis ein anderes Training fertig ist"
STEP_TRAINING = "Das neue Modell wird trainiert"
STEP_EVALUATING_CANDIDATE = "Das neue Modell wird geprüft"
STEP_EVALUATING_LIVE = "Das aktuelle Modell wird geprüft"
STEP_COMPARING = "Die Ergebnisse werden verglichen"
STEP_DONE = "Fertig"


class CandidateError(Exception):
    """A failure to show staff: `message` is German; `detail` holds technical output (a stderr tail) for
    whoever investigates. Library output may quote anything, so `detail` is not meant for logs."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


@dataclass(frozen=True)
class ModelPaths:
    """Where the live, previous and candidate models, their figures and the training lock are, and the
    project whose data (config.yml, domain.yml, data/) candidates are trained and evaluated on."""

    models: Path = PROJECT_ROOT / "models"
    project: Path = PROJECT_ROOT

    @classmethod
    def for_project(cls, project_dir: Path) -> "ModelPaths":
        return cls(project_dir / "models", project_dir)

    @property
    def live(self) -> Path:
        return self.models / LIVE_MODEL_NAME

    @property
    def previous(self) -> Path:
        return self.models / "previous" / LIVE_MODEL_NAME

    @property
    def candidates(self) -> Path:
        return self.models / "candidates"

    @property
    def figures(self) -> Path:
        return self.models / "figures"

    @property
    def train_lock(self) -> Path:
        return self.models / ".train.lock"  # the Makefile's flock file


DEFAULT_PATHS = ModelPaths()


# --- Figures -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewedExample:
    """A message as staff labelled it: an intent name, `red_flag:emergency`, `red_flag:crisis` or `none`."""

    text: str
    expected: str


@dataclass(frozen=True)
class ReviewedResult:
    text: str
    expected: str
    got: str  # the intent, or `red_flag:<emergency|crisis>`
    correct: bool


@dataclass(frozen=True)
class FaqFigures:
    """One FAQ sealed set: counts of right intents (clean, noisy) and of "nicht verstanden" (clean)."""

    set_name: str
    messages: int
    correct_clean: int
    correct_noisy: int
    not_understood_clean: int
    fingerprint: str  # of the messages scored

    @property
    def accuracy_clean(self) -> float:
        return self.correct_clean / max(self.messages, 1)

    @property
    def accuracy_noisy(self) -> float:
        return self.correct_noisy / max(self.messages, 1)

    @property
    def not_understood_rate(self) -> float:
        return self.not_understood_clean / max(self.messages, 1)


@dataclass(frozen=True)
class TriageFigures:
    """One triage sealed set: urgent messages found, crises given the helpline, false alarms."""

    set_name: str
    messages: int
    urgent: int
    urgent_found: int
    crisis: int
    crisis_found: int
    non_urgent: int
    false_alarms: int
    fingerprint: str  # of the messages scored

    @property
    def urgent_recall(self) -> float:
        return self.urgent_found / max(self.urgent, 1)

    @property
    def crisis_recall(self) -> float:
        return self.crisis_found / max(self.crisis, 1)

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / max(self.non_urgent, 1)


@dataclass(frozen=True)
class Figures:
    """What `python -m review.evaluate` measured of one model."""

    faq: Tuple[FaqFigures, ...]
    triage: Tuple[TriageFigures, ...]
    reviewed: Tuple[ReviewedResult, ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Figures":
        return cls(
            faq=tuple(
                FaqFigures(
                    set_name=name,
                    messages=figures["messages"],
                    correct_clean=figures["counts"]["correct_clean"],
                    correct_noisy=figures["counts"]["correct_noisy"],
                    not_understood_clean=figures["counts"]["not_understood_clean"],
                    fingerprint=figures["fingerprint"],
                )
                for name, figures in data["faq"].items()
            ),
            triage=tuple(
                TriageFigures(
                    set_name=name,
                    messages=figures["messages"],
                    fingerprint=figures["fingerprint"],
                    **figures["counts"],
                )
                for name, figures in data["triage"].items()
            ),
            reviewed=tuple(ReviewedResult(**item) for item in data.get("reviewed", ())),
        )


# --- Comparison ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """A count out of a total; compared exactly, never as a rounded float."""

    count: int
    total: int

    @property
    def value(self) -> float:
        return self.count / max(self.total, 1)

    @property
    def exact(self) -> Fraction:
        return Fraction(self.count, max(self.total, 1))

    def __str__(self) -> str:
        percent = f"{100 * self.value:.1f}".replace(".", ",")
        return f"{percent} % ({self.count} von {self.total})"


@dataclass(frozen=True)
class ComparisonRow:
    set_name: str
    measure: str  # German, for staff
    live: Share
    candidate: Share
    worse: bool
    worse_within_tolerance: bool = False  # worse by no more than the measure's tolerance: shown, not blocking

    @property
    def live_text(self) -> str:
        return str(self.live)

    @property
    def candidate_text(self) -> str:
        return str(self.candidate)


@dataclass(frozen=True)
class Comparison:
    rows: Tuple[ComparisonRow, ...]

    @property
    def may_activate(self) -> bool:
        """Not worse in any row (and measured at all)."""
        return bool(self.rows) and not any(row.worse for row in self.rows)


# (measure shown to staff, count field, total field, whether higher is better, messages it may lose)
Measure = Tuple[str, str, str, bool, int]
# A reviewed example can tip one message of a sealed set that sits on the edge between two topics, although
# the example is right; with no tolerance such an example could never go live. One message per set is what
# such a tip costs. The triage keeps none: there every message is a patient's safety.
TOPIC_TOLERANCE_MESSAGES = 1
FAQ_MEASURES: Tuple[Measure, ...] = (
    ("Trefferquote (sauber)", "correct_clean", "messages", True, TOPIC_TOLERANCE_MESSAGES),
    ("Trefferquote (mit Tippfehlern)", "correct_noisy", "messages", True, TOPIC_TOLERANCE_MESSAGES),
    ("nicht verstanden", "not_understood_clean", "messages", False, TOPIC_TOLERANCE_MESSAGES),
)
TRIAGE_MEASURES: Tuple[Measure, ...] = (
    ("dringende erkannt", "urgent_found", "urgent", True, 0),
    ("Krisen mit Telefonseelsorge", "crisis_found", "crisis", True, 0),
    ("Fehlalarme", "false_alarms", "non_urgent", False, 0),
)


def compare(live: Figures, candidate: Figures) -> Comparison:
    """Every measure of every sealed set, live against candidate; worse is a lower share of what should
    be high, or a higher share of what should be low, by more than the measure's tolerance."""
    rows: List[ComparisonRow] = []
    for area, measures, live_sets, candidate_sets in (
        ("Themen", FAQ_MEASURES, live.faq, candidate.faq),
        ("Warnzeichen", TRIAGE_MEASURES, live.triage, candidate.triage),
    ):
        for live_set, candidate_set in matching_sets(live_sets, candidate_sets):
            for measure, count, total, higher_is_better, tolerance in measures:
                rows.append(
                    compare_measure(
                        f"{area} ({live_set.set_name})",
                        measure,
                        live_set,
                        candidate_set,
                        count,
                        total,
                        higher_is_better,
                        tolerance,
                    )
                )
    return Comparison(tuple(rows))


def matching_sets(live_sets: Sequence[Any], candidate_sets: Sequence[Any]) -> List[Tuple[Any, Any]]:
    """Pairs of the same set measured on the same messages; anything else is no fair comparison."""
    candidate_by_name = {figures.set_name: figures for figures in candidate_sets}
    if set(candidate_by_name) != {figures.set_name for figures in live_sets} or any(
        candidate_by_name[figures.set_name].fingerprint != figures.fingerprint for figures in live_sets
    ):
        raise CandidateError(
            "Das aktuelle und das neue Modell wurden nicht mit denselben Prüfsätzen gemessen (die "
            "Trainingsdaten haben sich während der Prüfung geändert?). Bitte erneut trainieren und prüfen."
        )
    return [(figures, candidate_by_name[figures.set_name]) for figures in live_sets]


def compare_measure(
    set_name: str,
    measure: str,
    live: Any,
    candidate: Any,
    count: str,
    total: str,
    higher_is_better: bool,
    tolerance: int = 0,
) -> ComparisonRow:
    live_share = Share(getattr(live, count), getattr(live, total))
    candidate_share = Share(getattr(candidate, count), getattr(candidate, total))
    # How much the candidate lost, as a share of the live model's set (positive: worse).
    loss = live_share.exact - candidate_share.exact
    if not higher_is_better:
        loss = -loss
    allowed = Fraction(tolerance, max(live_share.total, 1))
    return ComparisonRow(set_name, measure, live_share, candidate_share, loss > allowed, 0 < loss <= allowed)


# --- Evaluation, cached per model ----------------------------------------------------------------------


def model_sha256(model: Path) -> str:
    digest = hashlib.sha256()
    with model.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def evaluation_inputs_fingerprint(project: Path = PROJECT_ROOT) -> str:
    """Of everything besides the model that the set figures depend on (see the module docstring)."""
    files = {*FAQ_SEALED_SETS, *TRIAGE_SEALED_SETS, *(PROJECT_ROOT / name for name in EVALUATION_CODE)}
    for pattern in EVALUATION_INPUT_PATTERNS:
        files.update(PROJECT_ROOT.glob(pattern), project.resolve().glob(pattern))
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(str(path).encode("utf-8") + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"")
        digest.update(b"\0")
    return digest.hexdigest()


def figures_cache_file(model: Path, paths: ModelPaths = DEFAULT_PATHS) -> Path:
    return paths.figures / f"{model_sha256(model)}.json"


def reviewed_key(example: ReviewedExample) -> str:
    """The cache key of a reviewed example: a hash, so that the cache holds no message text."""
    return hashlib.sha256(f"{example.expected}\n{example.text}".encode("utf-8")).hexdigest()


def evaluate_model(
    model: Path,
    reviewed: Sequence[ReviewedExample] = (),
    paths: ModelPaths = DEFAULT_PATHS,
    timeout: float = EVALUATE_TIMEOUT_SECONDS,
) -> Figures:
    """The model's figures on the sealed sets and the reviewed examples, from the cache where it has them."""
    if not model.is_file():
        raise CandidateError(f"Das Modell {model.name} gibt es nicht.")
    cache_file = figures_cache_file(model, paths)
    inputs = evaluation_inputs_fingerprint(paths.project)
    cache = read_cache(cache_file, inputs)
    sets, known = cache.get("sets"), dict(cache.get("reviewed") or {})
    missing = uncached(reviewed, known)
    if sets is None or missing:
        output = run_evaluation(
            model, missing, with_sets=sets is None, project=paths.project, timeout=timeout
        )
        if sets is None:
            sets = {"faq": output["faq"], "triage": output["triage"]}
        for item in output["reviewed"]:
            key = reviewed_key(ReviewedExample(item["text"], item["expected"]))
            known[key] = {"got": item["got"], "correct": item["correct"]}
        write_json_atomically(cache_file, {"inputs": inputs, "sets": sets, "reviewed": known})
    results = [{"text": e.text, "expected": e.expected, **known[reviewed_key(e)]} for e in reviewed]
    return Figures.from_json({**sets, "reviewed": results})


def uncached(reviewed: Sequence[ReviewedExample], known: Mapping[str, Any]) -> List[ReviewedExample]:
    """The reviewed examples without cached results, each once."""
    missing = {reviewed_key(example): example for example in reviewed}
    return [example for key, example in missing.items() if key not in known]


def read_cache(cache_file: Path, inputs: str) -> Dict[str, Any]:
    """The cache entry if it was measured with the current evaluation inputs; else nothing."""
    try:
        cache = json.loads(cache_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return cache if isinstance(cache, dict) and cache.get("inputs") == inputs else {}


def run_evaluation(
    model: Path,
    reviewed: Sequence[ReviewedExample],
    with_sets: bool,
    project: Path = PROJECT_ROOT,
    timeout: float = EVALUATE_TIMEOUT_SECONDS,
) -> Dict[str, Any]:
    """The JSON of `python -m review.evaluate`; the reviewed examples go through stdin, never to disk."""
    command = [sys.executable, "-m", "review.evaluate", str(model.resolve()), "--reviewed", "-"]
    command += ["--project", str(project.resolve())]
    if not with_sets:
        command.append("--no-sets")
    examples = json.dumps([{"text": e.text, "expected": e.expected} for e in reviewed], ensure_ascii=False)
    try:
        completed = subprocess.run(
            command,
            cwd=project,
            env=model_process_env(),
            input=examples,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as error:
        raise CandidateError(
            f"Die Prüfung des Modells {model.name} hat zu lange gedauert (über {timeout / 60:.0f} Minuten).",
            tail(error.stderr),
        ) from None
    if completed.returncode != 0:
        raise CandidateError(
            f"Die Prüfung des Modells {model.name} ist fehlgeschlagen.", tail(completed.stderr)
        )
    try:
        return json.loads(completed.stdout)
    except ValueError:
        raise CandidateError(
            f"Die Prüfung des Modells {model.name} lieferte kein lesbares Ergebnis.", tail(completed.stderr)
        ) from None


def model_process_env() -> Dict[str, str]:
    """The Makefile's environment, and this code importable from a project directory elsewhere."""
    python_path = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, **MODEL_PROCESS_ENV, "PYTHONPATH": python_path}


def tail(output: Any, lines: int = STDERR_TAIL_LINES) -> str:
    if isinstance(output, bytes):
        output = output.decode("utf-8", errors="replace")
    return "\n".join((output or "").splitlines()[-lines:])


def write_json_atomically(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False
    ) as handle:
        json.dump(data, handle, ensure_ascii=False)
    os.replace(handle.name, path)


# --- Training ------------------------------------------------------------------------------------------


@contextmanager
def train_lock(
    paths: ModelPaths, wait_seconds: float, on_wait: Callable[[], None] = lambda: None
) -> Iterator[None]:
    """The lock `make train` holds (flock on models/.train.lock), so no two trainings or swaps overlap."""
    paths.models.mkdir(parents=True, exist_ok=True)
    with paths.train_lock.open("a") as handle:  # "a" creates the file and never truncates it
        deadline = time.monotonic() + wait_seconds
        waiting = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise CandidateError(
                        "Gerade läuft ein anderes Training. Bitte später erneut versuchen."
                    ) from None
                if not waiting:
                    on_wait()
                    waiting = True
                time.sleep(1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def train_candidate(
    paths: ModelPaths = DEFAULT_PATHS,
    on_step: Callable[[str], None] = lambda step: None,
    timeout: float = TRAIN_TIMEOUT_SECONDS,
) -> Path:
    """Train a candidate on the current data into models/candidates/; its log goes next to it."""
    paths.candidates.mkdir(parents=True, exist_ok=True)
    name = f"{CANDIDATE_PREFIX}{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}"
    model, log_path = paths.candidates / f"{name}.tar.gz", paths.candidates / f"{name}.log"
    command = [
        sys.executable,
        "-m",
        "addons.rasa_main",
        "train",
        "--out",
        str(paths.candidates.resolve()),
        "--fixed-model-name",
        name,
    ]
    with train_lock(paths, LOCK_WAIT_SECONDS, lambda: on_step(STEP_WAITING_FOR_LOCK)):
        on_step(STEP_TRAINING)
        returncode = run_logged(command, paths.project, log_path, timeout)
    if returncode != 0 or not model.is_file():
        model.unlink(missing_ok=True)
        message = (
            f"Das Training hat zu lange gedauert (über {timeout / 60:.0f} Minuten)."
            if returncode is None
            else "Das Training ist fehlgeschlagen."
        )
        raise CandidateError(message, tail(log_path.read_text(encoding="utf-8", errors="replace")))
    prune_candidates(paths)
    return model


def run_logged(command: Sequence[str], cwd: Path, log_path: Path, timeout: float) -> Optional[int]:
    """The command's exit code, its output (stdout and stderr) in the log file; None on a timeout."""
    with log_path.open("w", encoding="utf-8") as log:
        try:
            return subprocess.run(
                command,
                cwd=cwd,
                env=model_process_env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=timeout,
            ).returncode
        except subprocess.TimeoutExpired:
            return None


def prune_candidates(paths: ModelPaths = DEFAULT_PATHS, keep: int = KEEP_CANDIDATES) -> None:
    """Keep the newest few candidates (and their logs), and figures only of models that still exist."""
    candidates = sorted(paths.candidates.glob(f"{CANDIDATE_PREFIX}*.tar.gz"), reverse=True)  # newest first
    for old in candidates[keep:]:
        old.unlink(missing_ok=True)
        old.with_name(old.name.replace(".tar.gz", ".log")).unlink(missing_ok=True)
    models = [*candidates[:keep], paths.live, paths.previous]
    kept = {model_sha256(model) for model in models if model.is_file()}
    for figures in paths.figures.glob("*.json"):
        if figures.stem not in kept:
            figures.unlink(missing_ok=True)


# --- Activation and rollback ---------------------------------------------------------------------------


def activate(candidate: Path, paths: ModelPaths = DEFAULT_PATHS) -> None:
    """The candidate becomes the live model; the live model becomes the previous one (only one is kept).
    Each file is replaced atomically, so the live model is never missing or half written."""
    if not candidate.is_file():
        raise CandidateError("Das neue Modell gibt es nicht mehr. Bitte neu trainieren und prüfen.")
    with train_lock(paths, wait_seconds=0):
        if paths.live.is_file():
            copy_atomically(paths.live, paths.previous)
        copy_atomically(candidate, paths.live)


def rollback(paths: ModelPaths = DEFAULT_PATHS) -> None:
    """Previous and live model swap places, so rolling back twice returns to the newer model."""
    if not paths.previous.is_file():
        raise CandidateError("Es gibt kein vorheriges Modell.")
    with train_lock(paths, wait_seconds=0):
        if not paths.live.is_file():
            os.replace(paths.previous, paths.live)
            return
        # Both copies are complete before either replaces anything.
        new_live = copy_to_temp(paths.previous, paths.live.parent)
        new_previous = copy_to_temp(paths.live, paths.previous.parent)
        os.replace(new_live, paths.live)
        os.replace(new_previous, paths.previous)


def copy_atomically(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(copy_to_temp(source, target.parent), target)


def copy_to_temp(source: Path, directory: Path) -> Path:
    """A complete, synced copy in `directory` (the target's, as os.replace needs the same file system)."""
    directory.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=directory, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as target, source.open("rb") as origin:
            shutil.copyfileobj(origin, target)
            target.flush()
            os.fsync(target.fileno())
    except BaseException:
        os.unlink(name)
        raise
    return Path(name)


# --- The job behind "Neu trainieren und prüfen" --------------------------------------------------------


@dataclass(frozen=True)
class ReviewedCheck:
    """A reviewed example, answered by the candidate (`got`, `correct`) and by the live model."""

    text: str
    expected: str
    got: str
    correct: bool
    live_got: str
    live_correct: bool

    @property
    def newly_correct(self) -> bool:
        return self.correct and not self.live_correct


@dataclass(frozen=True)
class JobResult:
    candidate: Path
    live_sha256: str  # the live model compared against: activation refuses if it changed since
    comparison: Comparison
    reviewed: Tuple[ReviewedCheck, ...]


@dataclass(frozen=True)
class JobStatus:
    state: str  # RUNNING, DONE or FAILED (German, for staff); NOT_STARTED ("") before the first job
    step: str  # German; on failure, the step that failed
    started_at: Optional[datetime] = None  # UTC
    finished_at: Optional[datetime] = None
    result: Optional[JobResult] = None
    error: Optional[str] = None  # German, for staff
    error_detail: str = field(default="", repr=False)  # technical (stderr tail); not for logs

    @property
    def running(self) -> bool:
        return self.state == RUNNING


IDLE = JobStatus(NOT_STARTED, "")


def reviewed_checks(live: Figures, candidate: Figures) -> Tuple[ReviewedCheck, ...]:
    return tuple(
        ReviewedCheck(after.text, after.expected, after.got, after.correct, before.got, before.correct)
        for before, after in zip(live.reviewed, candidate.reviewed, strict=True)
    )


Trainer = Callable[[ModelPaths, Callable[[str], None]], Path]
Evaluator = Callable[[Path, Sequence[ReviewedExample], ModelPaths], Figures]


class TrainingJob:
    """Runs train, evaluate (candidate, live) and compare in a background thread; `status()` for the page.

    One job at a time in the process, whichever instance starts it; the web server keeps one instance,
    whose status holds the last job's result until the next one starts. `trainer` and `evaluator` are
    the real steps unless a test replaces training, which takes minutes.
    """

    _one_at_a_time = threading.Lock()

    def __init__(
        self,
        paths: ModelPaths = DEFAULT_PATHS,
        trainer: Trainer = train_candidate,
        evaluator: Evaluator = evaluate_model,
    ) -> None:
        self._paths = paths
        self._trainer = trainer
        self._evaluator = evaluator
        self._status = IDLE
        self._status_lock = threading.Lock()
        self._thread: Optional[threading.Thread] = None

    def start(self, reviewed: Iterable[ReviewedExample]) -> JobStatus:
        if not TrainingJob._one_at_a_time.acquire(blocking=False):
            raise CandidateError("Es läuft bereits ein Training. Bitte warten, bis es fertig ist.")
        status = JobStatus(RUNNING, STEP_STARTING, started_at=datetime.now(timezone.utc))
        with self._status_lock:
            self._status = status
        self._thread = threading.Thread(
            target=self._run, args=(tuple(reviewed),), name="review-training", daemon=True
        )
        self._thread.start()
        return status

    def status(self) -> JobStatus:
        """The running or last job's status; IDLE (state NOT_STARTED) before any job and after clear()."""
        with self._status_lock:
            return self._status

    def clear(self) -> None:
        """Forget a finished job (after its candidate was activated, so it cannot be activated twice)."""
        with self._status_lock:
            if not self._status.running:
                self._status = IDLE

    def wait(self, timeout: Optional[float] = None) -> JobStatus:
        if self._thread is not None:
            self._thread.join(timeout)
        return self.status()

    def activate(self) -> None:
        """Activate the last job's candidate, if it may be and the live model is still the one compared."""
        status = self.status()
        if status.result is None:
            raise CandidateError("Es gibt kein geprüftes neues Modell.")
        result = status.result
        if not result.comparison.may_activate:
            raise CandidateError(
                "Das neue Modell ist in mindestens einem Prüfsatz schlechter und wird nicht übernommen."
            )
        if not self._paths.live.is_file() or model_sha256(self._paths.live) != result.live_sha256:
            raise CandidateError(
                "Das aktuelle Modell hat sich seit der Prüfung geändert. Bitte neu trainieren und prüfen."
            )
        activate(result.candidate, self._paths)

    def _run(self, reviewed: Tuple[ReviewedExample, ...]) -> None:
        try:
            result = self._steps(reviewed)
        except CandidateError as error:
            self._finish(FAILED, error=error.message, error_detail=error.detail)
        except Exception as error:  # the page must learn that the job ended, whatever went wrong
            self._finish(
                FAILED, error="Unerwarteter Fehler beim Trainieren oder Prüfen.", error_detail=repr(error)
            )
        else:
            self._finish(DONE, step=STEP_DONE, result=result)
        finally:
            TrainingJob._one_at_a_time.release()

    def _steps(self, reviewed: Tuple[ReviewedExample, ...]) -> JobResult:
        if not self._paths.live.is_file():
            raise CandidateError("Es gibt kein aktuelles Modell zum Vergleich (make train legt es an).")
        candidate = self._trainer(self._paths, self._set_step)
        self._set_step(STEP_EVALUATING_CANDIDATE)
        candidate_figures = self._evaluator(candidate, reviewed, self._paths)
        self._set_step(STEP_EVALUATING_LIVE)
        live_sha256 = model_sha256(self._paths.live)
        live_figures = self._evaluator(self._paths.live, reviewed, self._paths)
        self._set_step(STEP_COMPARING)
        comparison = compare(live_figures, candidate_figures)
        return JobResult(candidate, live_sha256, comparison, reviewed_checks(live_figures, candidate_figures))

    def _set_step(self, step: str) -> None:
        with self._status_lock:
            self._status = JobStatus(RUNNING, step, self._status.started_at)

    def _finish(self, state: str, step: Optional[str] = None, **outcome: Any) -> None:
        with self._status_lock:
            self._status = JobStatus(
                state,
                step or self._status.step,
                self._status.started_at,
                datetime.now(timezone.utc),
                **outcome,
            )
