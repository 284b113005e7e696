"""The triage classifier: its own training data (data/triage/), its own model, three outcomes.

It exists for what rules cannot cover, above all indirect suicidal statements ("ich falle allen nur
zur Last"). It sees only the triage data and ordinary FAQ questions (as `none`), never the FAQ
intents, so a change to the FAQ cannot move a triage decision. Word and character n-grams of the
normalised text feed a logistic regression; character n-grams within words make it robust to typos
and compounds, those across word borders see short phrases. The word features also carry what a bag
of n-grams cannot see: which words stand in the scope of a negation ("kein Fieber, kein Blut") and how
long the message is (a bare "Noch nicht" is not the start of a farewell). Logistic regression gives
probabilities, so the thresholds in config.yml (chosen on the development sets by
tests/triage/tune.py for recall on `crisis` first, then `emergency`) mean the same after retraining.
A second, smaller model of the same kind tells whether an urgent message is about someone else.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Sequence, Tuple

import numpy as np
import yaml
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from components.safety_checks import CLAUSE_PUNCTUATION, NEGATION_WINDOW_WORDS, PATTERNS, SEGMENT_PUNCTUATION
from components.text_normalization import normalize_text

OUTCOMES: Tuple[str, ...] = ("crisis", "emergency", "none")
URGENT: Tuple[str, ...] = ("crisis", "emergency")
TRIAGE_DATA_KEY = "triage"
OTHER_PERSON_KEY = "about_someone_else"


# The triage form of a message keeps where its segments end (punctuation, line breaks) as this word, so
# that a negation's scope ends there: "kein Fieber, Blut im Stuhl" denies the fever only.
SEGMENT_BORDER = "zzborder"
_SEGMENT_PUNCTUATION = re.compile(rf"(?:{CLAUSE_PUNCTUATION}|{SEGMENT_PUNCTUATION})+")
NEGATION_WORDS = frozenset(
    {
        "nicht",
        "nichts",
        "nie",
        "niemals",
        "kein",
        "keine",
        "keinen",
        "keinem",
        "keiner",
        "keines",
        "ohne",
        "weder",
    }
)
# Words after which a negation no longer applies ("kein Fieber, aber Blut").
NEGATION_SCOPE_ENDS = frozenset({"aber", "sondern", "nur", "doch", "jedoch", "ausser", SEGMENT_BORDER})
NEGATED_PREFIX = "zzneg"
LENGTH_PREFIX = "zzlength"
# Enough iterations for the regression to converge on any data set; config.yml may stop it earlier.
DEFAULT_MAX_ITERATIONS = 5000


@dataclass(frozen=True)
class TriageExample:
    text: str
    outcome: str
    about_someone_else: bool = False  # urgent messages only: the signs belong to another person


def triage_data_files(directory: Path) -> List[Path]:
    return sorted(directory.glob("*.yml"))


def load_triage_data(directory: Path) -> List[TriageExample]:
    """Read every ``data/triage/*.yml``.

    Each file holds ``triage: {crisis: [...], emergency: [...], none: [...]}`` (texts, or ``{text, reviewed}``
    in the staff's reviewed examples) and, optionally,
    ``about_someone_else: [...]``: those of its urgent messages whose signs belong to another person.
    """
    examples: List[TriageExample] = []
    files = triage_data_files(directory)
    if not files:
        raise ValueError(f"no triage training data in {directory}")
    for path in files:
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        section = content.get(TRIAGE_DATA_KEY)
        if not isinstance(section, dict) or not set(section) <= set(OUTCOMES):
            raise ValueError(f"{path}: expected '{TRIAGE_DATA_KEY}:' with the keys {OUTCOMES}")
        others = {text_of(entry) for entry in content.get(OTHER_PERSON_KEY) or []}
        urgent = {text_of(entry) for outcome in URGENT for entry in section.get(outcome) or []}
        if others - urgent:
            raise ValueError(
                f"{path}: '{OTHER_PERSON_KEY}' lists messages that are not urgent: "
                f"{sorted(others - urgent)[:3]}"
            )
        for outcome, entries in section.items():
            texts = [text_of(entry) for entry in entries or []]
            examples.extend(TriageExample(text, outcome, text in others) for text in texts)
    return examples


def text_of(entry: Any) -> str:
    """An entry is a text, or (data/triage/reviewed.yml, review/examples.py) a text with its review date."""
    return str(entry["text"]) if isinstance(entry, dict) else str(entry)


def fingerprint_of(directory: Path) -> str:
    """Changes whenever a triage data file or this module changes, so Rasa retrains the classifier.

    Rasa's training cache knows a component only by its class name and config; without this it would
    restore a classifier trained on old data or with old features.
    """
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for path in triage_data_files(directory):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def stop_word_set() -> frozenset:
    """spaCy's German stop words, normalised, except the negations that change a message's meaning.

    Without them a short message whose only known word is "und" was scored by that word alone.
    """
    from spacy.lang.de.stop_words import STOP_WORDS

    return frozenset({normalize_text(word) for word in STOP_WORDS} - NEGATION_WORDS - {""})


def triage_form(text: str) -> str:
    """The normalised text with its segment borders kept as words (the classifier's input)."""
    return normalize_text(_SEGMENT_PUNCTUATION.sub(f" {SEGMENT_BORDER} ", text))


def negated_words(words: Sequence[str], stop_words: frozenset) -> List[str]:
    """The content words in a negation's scope: the few words after it, up to a border or "aber".

    Dialect negations count as their standard word ("koa Bluad" as "keine"), from the rules' table.
    """
    negated: List[str] = []
    left = 0
    for word in words:
        if word in NEGATION_SCOPE_ENDS:
            left = 0
            continue
        if left and word not in stop_words:
            negated.append(word)
            left -= 1
        if PATTERNS.dialect_words.get(word, word) in NEGATION_WORDS:
            left = NEGATION_WINDOW_WORDS
    return negated


def length_bucket(word_count: int) -> str:
    """A coarse length word: the classifier learns how much a short message may weigh."""
    for limit in (1, 2, 4, 8, 16):
        if word_count <= limit:
            return f"{LENGTH_PREFIX}{limit}"
    return f"{LENGTH_PREFIX}long"


def word_features_text(form: str) -> str:
    """What the word n-grams see: the words without stop words, a marked copy of each negated word, and
    the message's length (stop words are dropped here, not by the vectorizer, which would check them
    against this function's output and warn about the length word)."""
    words = form.split()
    stop_words = stop_word_set()
    plain = words_of(form)
    content = [word for word in plain if word not in stop_words]
    negated = [NEGATED_PREFIX + word for word in negated_words(words, stop_words)]
    return " ".join([*content, *negated, length_bucket(len(plain))])


def char_features_text(form: str) -> str:
    """What the character n-grams see: the words only."""
    return " ".join(words_of(form))


def words_of(form: str) -> List[str]:
    """The words of a triage form, without its segment borders."""
    return [word for word in form.split() if word != SEGMENT_BORDER]


def new_pipeline(C: float, max_iter: int = DEFAULT_MAX_ITERATIONS, random_state: int = 0) -> Pipeline:
    words = TfidfVectorizer(
        analyzer="word",
        ngram_range=(1, 2),
        sublinear_tf=True,
        min_df=2,
        preprocessor=word_features_text,
    )
    # Character n-grams from four letters up: three-letter pieces tied unrelated words to alarm words
    # ("Brückentag" to "Brücke") more often than they caught a typo that the longer ones miss.
    chars = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(4, 6), sublinear_tf=True, min_df=2, preprocessor=char_features_text
    )
    # Character n-grams across word borders see short phrases whole: a negation with its sign ("kein fieb"),
    # a pair that is alarming only together. They cost training time, and on the development sets they
    # lowered missed urgent messages and false alarms together.
    phrases = TfidfVectorizer(
        analyzer="char", ngram_range=(6, 9), sublinear_tf=True, min_df=3, preprocessor=char_features_text
    )
    features = FeatureUnion([("words", words), ("chars", chars), ("phrases", phrases)])
    classifier = LogisticRegression(
        C=C, class_weight="balanced", max_iter=max_iter, random_state=random_state
    )
    return Pipeline([("features", features), ("classifier", classifier)])


def with_typos(text: str, seed: int) -> str:
    """The way hurried patients type: one letter of some longer words dropped, doubled or swapped.

    Training on such a copy of every example teaches the classifier that a misspelt ordinary word
    ("zucer") is no alarm, and that a misspelt alarm word still is.
    """
    rng = random.Random(seed)
    words = triage_form(text).split()
    for index, word in enumerate(words):
        if len(word) >= 5 and word != SEGMENT_BORDER and rng.random() < 0.4:
            position = rng.randrange(1, len(word) - 1)
            kind = rng.randrange(3)
            if kind == 0:
                words[index] = word[:position] + word[position + 1 :]
            elif kind == 1:
                words[index] = word[:position] + word[position] + word[position:]
            else:
                words[index] = word[:position] + word[position + 1] + word[position] + word[position + 2 :]
    return " ".join(words)


def typo_seed(text: str) -> int:
    """A seed from the text itself: one new example (a reviewed message, a new FAQ phrasing) leaves the
    typos of every other example as they were, instead of shifting them all and moving the thresholds."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big")


def with_typo_copies(examples: Sequence[TriageExample]) -> List[TriageExample]:
    copies = [
        TriageExample(with_typos(e.text, typo_seed(e.text)), e.outcome, e.about_someone_else)
        for e in examples
    ]
    return [*examples, *(copy for copy, e in zip(copies, examples) if copy.text != triage_form(e.text))]


def fit(examples: Sequence[TriageExample], C: float, max_iter: int = DEFAULT_MAX_ITERATIONS) -> Pipeline:
    """The outcome model. A `max_iter` below what convergence needs stops the fit early on purpose (config.yml
    says why), so sklearn's warning about it would only alarm whoever reads the training log."""
    examples = with_typo_copies(examples)
    pipeline = new_pipeline(C, max_iter)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipeline.fit([triage_form(e.text) for e in examples], [e.outcome for e in examples])
    return pipeline


def fit_subject(examples: Sequence[TriageExample], C: float) -> Pipeline:
    """Who has the signs: trained on the urgent messages only, `other` or `self`.

    Dialect and bare relatives ("Mudder", "Kind (3) hat ...", "Mama hustet") defeat word lists; the
    same n-gram model learns them from the examples.
    """
    urgent = with_typo_copies([e for e in examples if e.outcome in URGENT])
    pipeline = new_pipeline(C)
    pipeline.fit(
        [triage_form(e.text) for e in urgent],
        ["other" if e.about_someone_else else "self" for e in urgent],
    )
    return pipeline


class OneMessageScorer:
    """The fitted pipeline's probabilities for one message, without sklearn's per-call matrix work.

    Each message is scored on its own as it arrives; building sparse matrices and a FeatureUnion for
    one row costs several times more than the arithmetic. Same n-grams (the vectorizers' own
    analyzers), tf-idf weights, norms and coefficients as the pipeline; tests compare the two.
    """

    def __init__(self, pipeline: Pipeline) -> None:
        union: FeatureUnion = pipeline.named_steps["features"]
        classifier: LogisticRegression = pipeline.named_steps["classifier"]
        self._vectorizers = []
        offset = 0
        for _, vectorizer in union.transformer_list:
            self._vectorizers.append(
                (vectorizer.build_analyzer(), vectorizer.vocabulary_, vectorizer.idf_, offset)
            )
            offset += len(vectorizer.vocabulary_)
        self._coef = np.asarray(classifier.coef_)
        self._intercept = np.asarray(classifier.intercept_)
        self.classes: List[str] = [str(c) for c in classifier.classes_]

    def _weights(self, form: str) -> Tuple[np.ndarray, np.ndarray]:
        indices: List[int] = []
        values: List[float] = []
        for analyze, vocabulary, idf, offset in self._vectorizers:
            counts: Dict[int, int] = {}
            for gram in analyze(form):
                index = vocabulary.get(gram)
                if index is not None:
                    counts[index] = counts.get(index, 0) + 1
            if not counts:
                continue
            columns = np.fromiter(counts, dtype=np.int64, count=len(counts))
            weights = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * idf[
                columns
            ]
            weights /= np.linalg.norm(weights)
            indices.extend((columns + offset).tolist())
            values.extend(weights.tolist())
        return np.asarray(indices, dtype=np.int64), np.asarray(values)

    def probabilities(self, text: str) -> Dict[str, float]:
        indices, values = self._weights(triage_form(text))
        logits = self._coef[:, indices] @ values + self._intercept
        if len(self.classes) == 2:  # binary logistic regression: one logit for the second class
            second = 1.0 / (1.0 + np.exp(-logits[0]))
            return {self.classes[0]: 1.0 - second, self.classes[1]: second}
        exponentials = np.exp(logits - logits.max())
        return dict(zip(self.classes, (exponentials / exponentials.sum()).tolist()))


def save_pipeline(pipeline: Pipeline, directory: Path, name: str) -> None:
    """Store a fitted pipeline as what it learnt: each vectorizer's terms (JSON) and idf weights and the
    classifier's coefficients (a NumPy archive, read without pickle, so loading runs no stored code).

    A general-purpose serialiser writes the phrase vocabulary one object per term: hundreds of
    megabytes, and every start of the assistant spent most of its time reading them.
    """
    union: FeatureUnion = pipeline.named_steps["features"]
    classifier: LogisticRegression = pipeline.named_steps["classifier"]
    terms = {
        part: sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
        for part, vectorizer in union.transformer_list
    }
    arrays = {f"idf_{part}": vectorizer.idf_ for part, vectorizer in union.transformer_list}
    description = {"C": classifier.C, "classes": [str(c) for c in classifier.classes_], "terms": terms}
    (directory / f"{name}.json").write_text(json.dumps(description, ensure_ascii=False), encoding="utf-8")
    np.savez(directory / f"{name}.npz", coef=classifier.coef_, intercept=classifier.intercept_, **arrays)


def load_pipeline(directory: Path, name: str) -> Pipeline:
    """The pipeline that `save_pipeline` stored: the same vectorizers (from `new_pipeline`) given their
    fitted vocabulary and weights, so it scores exactly as the pipeline that was saved."""
    description = json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))
    pipeline = new_pipeline(float(description["C"]))
    union: FeatureUnion = pipeline.named_steps["features"]
    classifier: LogisticRegression = pipeline.named_steps["classifier"]
    with np.load(directory / f"{name}.npz", allow_pickle=False) as arrays:
        for part, vectorizer in union.transformer_list:
            vectorizer.vocabulary_ = {term: index for index, term in enumerate(description["terms"][part])}
            vectorizer.idf_ = arrays[f"idf_{part}"]
        classifier.coef_ = arrays["coef"]
        classifier.intercept_ = arrays["intercept"]
    classifier.classes_ = np.asarray(description["classes"])
    return pipeline


def probabilities(pipeline: Pipeline, texts: Iterable[str]) -> List[Dict[str, float]]:
    """Probability of each outcome for each text (sklearn's batch path, for training and tuning)."""
    forms = [triage_form(text) for text in texts]
    if not forms:
        return []
    matrix: np.ndarray = pipeline.predict_proba(forms)
    classes = list(pipeline.classes_)
    return [{outcome: float(row[classes.index(outcome)]) for outcome in classes} for row in matrix]


def decide(scores: Mapping[str, float], crisis_threshold: float, emergency_threshold: float) -> str:
    """The classifier's outcome: crisis is checked first, because a missed crisis is the worst error."""
    if scores.get("crisis", 0.0) >= crisis_threshold:
        return "crisis"
    if scores.get("emergency", 0.0) >= emergency_threshold:
        return "emergency"
    return "none"
