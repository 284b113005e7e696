"""Both German pipelines: spaCy's rule-based fallback and a full pipeline (a locally built stand-in)."""

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest
import spacy
import yaml

from components.german_spacy import FALLBACK_PIPELINE_NAME, load_german_pipeline

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_fallback_pipeline_is_used_when_the_model_is_missing() -> None:
    model = load_german_pipeline("de_not_installed_pipeline", allow_fallback=True)
    assert model.model_name == FALLBACK_PIPELINE_NAME
    doc = model.model("Die Beschwerden hilft")
    assert [t.lemma_ for t in doc] == ["der", "Beschwerde", "helfen"]


def test_missing_model_without_fallback_fails() -> None:
    with pytest.raises(OSError):
        load_german_pipeline("de_not_installed_pipeline", allow_fallback=False)


def build_stand_in_pipeline(path: Path) -> Path:
    """A small German pipeline with a tok2vec and word vectors, standing in for de_core_news_sm."""
    nlp = spacy.blank("de")
    nlp.add_pipe("tok2vec")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    rng = np.random.default_rng(0)
    for word in ["leaky", "gut", "darm", "stress", "termin", "hallo", "danke", "blut", "stuhl", "ursache"]:
        nlp.vocab.set_vector(word, rng.normal(size=16).astype("float32"))
    nlp.initialize()
    nlp.meta["name"] = "core_news_sm_standin"
    nlp.to_disk(path)
    return path


def test_stand_in_pipeline_has_vectors(tmp_path: Path) -> None:
    path = build_stand_in_pipeline(tmp_path / "standin")
    model = load_german_pipeline(str(path), allow_fallback=False)
    assert model.model_name == str(path)
    assert "tok2vec" in model.model.pipe_names
    assert model.model.vocab.vectors_length == 16


@pytest.mark.parametrize("pipeline", ["stand-in", "fallback"])
def test_training_records_the_pipeline_in_the_model(tmp_path: Path, pipeline: str) -> None:
    model_name = (
        str(build_stand_in_pipeline(tmp_path / "standin")) if pipeline == "stand-in" else "de_not_installed"
    )
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())
    # The triage learns from its own data, not from spaCy's output, and its fit takes most of `rasa train`.
    config["pipeline"] = [step for step in config["pipeline"] if not step["name"].endswith("TriageStage")]
    spacy_step = next(step for step in config["pipeline"] if step["name"].endswith("GermanSpacyNLP"))
    spacy_step["model"] = model_name
    config_path = tmp_path / "config.yml"
    config_path.write_text(yaml.safe_dump(config))
    # A cache of its own: a component restored from the project's training cache would not log.
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "TQDM_DISABLE": "1",
        "RASA_CACHE_DIRECTORY": str(tmp_path / "cache"),
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "addons.rasa_main",
            "train",
            "nlu",
            "--config",
            str(config_path),
            "--nlu",
            "data/nlu",
            "--out",
            str(tmp_path),
            "--fixed-model-name",
            "nlu",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    assert "Training with spaCy pipeline" in result.stdout + result.stderr
    with tarfile.open(tmp_path / "nlu.tar.gz") as archive:
        [member] = [m for m in archive.getmembers() if m.name.endswith("spacy_pipeline.json")]
        info = json.load(archive.extractfile(member))
    if pipeline == "stand-in":
        assert info["model_name"] == model_name and "tok2vec" in info["pipes"] and info["vector_width"] == 16
    else:
        assert info["model_name"] == FALLBACK_PIPELINE_NAME and info["vector_width"] == 0
