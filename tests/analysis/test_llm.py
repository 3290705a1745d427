"""LLM mode client: prompts, answer validation and every way an endpoint can fail, on loopback."""

from __future__ import annotations

import json
import logging
import socket
import time

import pytest

from tests.analysis.llm_stub import Reply, StubLLM, chat_reply, json_reply
from voxloop.analysis.llm import (
    MAX_LABEL_EN,
    MAX_LABEL_ZH,
    MAX_SUMMARY,
    LlmBadAnswer,
    LlmConfig,
    LlmTimeout,
    LlmUnavailable,
    ThemeLabel,
    ThemeRequest,
    label_theme,
    label_themes,
    parse_json_object,
    summarize,
)

MARGIN = 0.5  # seconds a timed-out call may take beyond its timeout
GOOD = {
    "label_zh": "应用闪退",
    "label_en": "App crashes",
    "summary_zh": "用户反映自上次更新后应用一打开就闪退。",
    "summary_en": "Customers say the app crashes on launch since the last update.",
}
PHRASES = ["闪退", "crashes", "update"]
EXAMPLES = ["App 一打开就闪退", "The app crashes every time I open it"]


@pytest.fixture
def stub():
    server = StubLLM()
    yield server
    server.close()


def _config(stub: StubLLM, **kw) -> LlmConfig:
    kw.setdefault("timeout", 3.0)
    return LlmConfig(base_url=stub.url, model="qwen-stub", api_key="sk-local", **kw)


def _says(content: str, **kw):
    return lambda body: chat_reply(content, **kw)


def test_good_answer_and_the_request_behind_it(stub):
    stub.reply = _says(json.dumps(GOOD, ensure_ascii=False))
    label = label_theme(_config(stub), PHRASES, EXAMPLES)
    assert label == ThemeLabel(**GOOD)
    (seen,) = stub.requests
    assert seen.path == "/v1/chat/completions"
    assert seen.headers["Authorization"] == "Bearer sk-local"
    assert seen.headers["Content-Type"] == "application/json"
    body = seen.body
    assert (body["model"], body["stream"], body["max_tokens"]) == ("qwen-stub", False, 400)
    assert body["response_format"] == {"type": "json_object"}
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert "Key phrases of the theme: 闪退, crashes, update" in seen.prompt
    assert "1. App 一打开就闪退\n2. The app crashes every time I open it" in seen.prompt
    assert "label_zh" in seen.prompt and "in English" in seen.prompt


def test_summaries_are_asked_for_in_both_languages(stub):
    stub.reply = _says(json.dumps(GOOD))
    label_theme(_config(stub), PHRASES, EXAMPLES)
    prompt = stub.requests[0].prompt
    assert '"summary_zh"' in prompt and "sentences in Simplified Chinese" in prompt
    assert '"summary_en"' in prompt and "summary in English" in prompt


def test_no_api_key_sends_no_authorization(stub):
    stub.reply = _says(json.dumps(GOOD))
    config = LlmConfig(base_url=stub.url + "/", model="m", timeout=3)
    label_theme(config, PHRASES, EXAMPLES)
    assert "Authorization" not in stub.requests[0].headers
    assert stub.requests[0].path == "/v1/chat/completions"


@pytest.mark.parametrize(
    "content",
    [
        "```json\n" + json.dumps(GOOD, ensure_ascii=False) + "\n```",
        "```\n" + json.dumps(GOOD) + "\n```",
        "Sure! Here is the JSON:\n```json\n" + json.dumps(GOOD) + "\n```\nHope it helps.",
        "<think>Let me look at {these} items.</think>\n" + json.dumps(GOOD),
        "Here you go: " + json.dumps(GOOD) + " That's all.",
    ],
)
def test_fenced_or_wrapped_answers_are_unwrapped(stub, content):
    stub.reply = _says(content)
    assert label_theme(_config(stub), PHRASES, EXAMPLES) == ThemeLabel(**GOOD)


def test_labels_and_summary_are_cleaned_and_clamped(stub):
    noisy = {
        "label_zh": "「应用频繁闪退导致用户根本无法正常使用各项功能的问题」。",
        "label_en": '**"The Mobile App Keeps Crashing On Launch After Every Single Update Since Last Week"**.',
        "summary_zh": "用户反映应用闪退。" * 80,
        "summary_en": "",
    }
    stub.reply = _says(json.dumps(noisy, ensure_ascii=False))
    label = label_theme(_config(stub), PHRASES, EXAMPLES)
    assert label.label_zh == "应用频繁闪退导致用户根本无法正常使用"[:MAX_LABEL_ZH]
    assert len(label.label_en) <= MAX_LABEL_EN
    assert label.label_en.startswith("The Mobile App Keeps Crashing")
    assert not any(c in label.label_en for c in '*"')
    assert label.label_en == label.label_en.strip() and not label.label_en.endswith(" ")
    assert len(label.summary_zh) <= MAX_SUMMARY and label.summary_zh.endswith("。")
    assert "\n" not in label.summary_zh and label.summary_en == ""


def test_long_summary_without_sentence_ends_is_cut_with_an_ellipsis(stub):
    stub.reply = _says(json.dumps({**GOOD, "summary_en": "word " * 200}))
    summary = label_theme(_config(stub), PHRASES, EXAMPLES).summary_en
    assert len(summary) == MAX_SUMMARY and summary.endswith("…")


@pytest.mark.parametrize(
    "content",
    [
        '{"label_zh": "闪退", "label_en": ',  # cut off
        "I am sorry, I cannot help with that.",
        "[1, 2, 3]",
        '{"label_zh": "闪退"}',  # no English label
        '{"label_zh": "闪退", "label_en": 42, "summary": "x"}',
        '{"label_zh": "\\"\\"", "label_en": "**", "summary": "x"}',  # nothing left after cleaning
        '<think>I will answer with {"label_zh": "x", "label_en": "y"}',  # never finished
    ],
)
def test_malformed_answers_raise_bad_answer(stub, content):
    stub.reply = _says(content)
    with pytest.raises(LlmBadAnswer):
        label_theme(_config(stub), PHRASES, EXAMPLES)


@pytest.mark.parametrize(
    ("reply", "error", "says"),
    [
        (Reply(status=500, body=b"upstream exploded"), LlmUnavailable, "HTTP 500: upstream"),
        (Reply(status=503), LlmUnavailable, "HTTP 503"),
        (Reply(status=429), LlmUnavailable, "HTTP 429"),
        (Reply(status=401, body=b'{"error": "bad key"}'), LlmUnavailable, "HTTP 401"),
        (Reply(status=404), LlmUnavailable, "HTTP 404"),
        (Reply(status=422), LlmBadAnswer, "HTTP 422"),
        (chat_reply(json.dumps(GOOD), content_type="text/html"), LlmBadAnswer, "content type"),
        (chat_reply(json.dumps(GOOD), content_type="text/plain"), LlmBadAnswer, "content type"),
        (Reply(body=b"<html>not json</html>"), LlmBadAnswer, "not JSON"),
        (json_reply({"choices": []}), LlmBadAnswer, "no choices"),
        (json_reply({"object": "error"}), LlmBadAnswer, "no choices"),
        (json_reply({"choices": [{"index": 0}]}), LlmBadAnswer, "empty"),
        (chat_reply(""), LlmBadAnswer, "empty"),
        (chat_reply("   \n"), LlmBadAnswer, "empty"),
        (chat_reply(None), LlmBadAnswer, "empty"),
        (Reply(body=b"x" * (300 * 1024)), LlmBadAnswer, "larger than"),
    ],
)
def test_http_and_protocol_failures_are_typed(stub, reply, error, says):
    stub.reply = lambda body: reply
    with pytest.raises(error, match=says):
        label_theme(_config(stub), PHRASES, EXAMPLES)


def test_server_slower_than_the_timeout(stub):
    stub.reply = lambda body: chat_reply(json.dumps(GOOD), delay=10)
    started = time.monotonic()
    with pytest.raises(LlmTimeout, match=r"within 0\.5 s"):
        label_theme(_config(stub, timeout=0.5), PHRASES, EXAMPLES)
    assert time.monotonic() - started < 0.5 + MARGIN


def test_server_trickling_bytes_cannot_outlast_the_timeout(stub):
    # A byte every 0.1 s never trips a socket's read timeout; the request deadline still holds.
    stub.reply = lambda body: chat_reply(json.dumps(GOOD), trickle=0.1)
    started = time.monotonic()
    with pytest.raises(LlmTimeout):
        label_theme(_config(stub, timeout=0.8), PHRASES, EXAMPLES)
    assert time.monotonic() - started < 0.8 + MARGIN
    assert len(stub.requests) == 1


def test_nothing_listening_is_unavailable_at_once():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = LlmConfig(base_url=f"http://127.0.0.1:{port}/v1", model="m", timeout=5)
    started = time.monotonic()
    with pytest.raises(LlmUnavailable):
        label_theme(config, PHRASES, EXAMPLES)
    assert time.monotonic() - started < 1.0


def test_server_refusing_json_mode_is_asked_again_without_it(stub):
    def reply(body):
        if "response_format" in body:
            return Reply(status=400, body=b'{"error": "response_format.type must be json_schema"}')
        return chat_reply(json.dumps(GOOD))

    stub.reply = reply
    assert label_theme(_config(stub), PHRASES, EXAMPLES) == ThemeLabel(**GOOD)
    assert ["response_format" in s.body for s in stub.requests] == [True, False]


def test_summarize(stub):
    stub.reply = _says('```json\n{"summary": "Invoices are hard to get."}\n```')
    texts = ["电子发票一直开不出来", "I can't download my invoice", "", "发票怎么重新开"]
    assert summarize(_config(stub), texts, "en") == "Invoices are hard to get."
    prompt = stub.requests[0].prompt
    assert "1. 电子发票一直开不出来\n2. I can't download my invoice\n3. 发票怎么重新开" in prompt
    assert '"summary"' in prompt and "in English" in prompt
    stub.reply = _says('{"summary": "  "}')
    with pytest.raises(LlmBadAnswer, match="no summary"):
        summarize(_config(stub), texts, "en")
    with pytest.raises(ValueError, match="texts"):
        summarize(_config(stub), ["", "  "], "en")
    with pytest.raises(ValueError, match="keyphrases"):
        label_theme(_config(stub), [], [" "])


# --- batches ---------------------------------------------------------------------------------


def _themes(*names: str) -> list[ThemeRequest]:
    return [ThemeRequest(keyphrases=(n,), examples=(f"feedback about {n}",)) for n in names]


def _by_keyphrase(answers):
    def reply(body):
        prompt = body["messages"][-1]["content"]
        phrase = prompt.split("Key phrases of the theme: ", 1)[1].split("\n", 1)[0]
        return answers[phrase]

    return reply


def test_batch_keeps_order_and_returns_none_for_bad_answers(stub, caplog):
    stub.reply = _by_keyphrase(
        {
            "a": chat_reply('{"label_zh": "甲", "label_en": "A", "summary_en": "about a"}'),
            "b": chat_reply("not json at all"),
            "c": chat_reply('{"label_zh": "丙", "label_en": "C", "summary_en": ""}'),
        }
    )
    with caplog.at_level(logging.WARNING, logger="voxloop.analysis.llm"):
        out = label_themes(_config(stub), _themes("a", "b", "c"), concurrency=2)
    assert out == [ThemeLabel("甲", "A", "", "about a"), None, ThemeLabel("丙", "C", "", "")]
    assert len(stub.requests) == 3  # a bad answer does not stop the others
    assert "no usable theme label" in caplog.text


def test_batch_stops_asking_an_unavailable_endpoint(stub, caplog):
    stub.reply = lambda body: Reply(status=503)
    with caplog.at_level(logging.WARNING, logger="voxloop.analysis.llm"):
        out = label_themes(_config(stub), _themes(*"abcdef"), concurrency=1)
    assert out == [None] * 6
    assert len(stub.requests) == 1
    assert "unavailable" in caplog.text and "HTTP 503" in caplog.text


def test_batch_against_a_hanging_endpoint_returns_in_one_timeout(stub):
    stub.reply = lambda body: chat_reply(json.dumps(GOOD), delay=30)
    started = time.monotonic()
    out = label_themes(_config(stub, timeout=0.5), _themes(*"abcdefgh"), concurrency=2)
    assert time.monotonic() - started < 0.5 + MARGIN
    assert out == [None] * 8 and len(stub.requests) <= 2


def test_batch_concurrency_is_bounded(stub):
    stub.reply = lambda body: chat_reply(json.dumps(GOOD), delay=0.15)
    out = label_themes(_config(stub), _themes(*"abcdef"), concurrency=2)
    assert out == [ThemeLabel(**GOOD)] * 6
    assert stub.max_in_flight == 2


def test_batch_budget_bounds_the_whole_batch(stub):
    stub.reply = lambda body: chat_reply(json.dumps(GOOD), delay=0.3)
    started = time.monotonic()
    out = label_themes(_config(stub, timeout=5), _themes(*"abcdef"), concurrency=1, budget=0.5)
    assert time.monotonic() - started < 0.5 + MARGIN
    assert out[0] == ThemeLabel(**GOOD) and out[1:] == [None] * 5
    assert label_themes(_config(stub), []) == []


# --- configuration and parsing ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"base_url": "ftp://127.0.0.1/v1"}, "base_url"),
        ({"base_url": "garbage"}, "base_url"),
        ({"base_url": "http://"}, "base_url"),
        ({"base_url": "http://127.0.0.1:port/v1"}, "base_url"),
        ({"model": "  "}, "model"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": 601}, "timeout"),
        ({"max_tokens": 0}, "max_tokens"),
    ],
)
def test_config_refuses_bad_values_naming_the_field(kw, field):
    values = {"base_url": "http://127.0.0.1:11434/v1", "model": "qwen", **kw}
    with pytest.raises(ValueError, match=field):
        LlmConfig(**values)


def test_endpoint_accepts_a_base_or_the_full_path():
    full = "https://llm.internal/v1/chat/completions"
    assert LlmConfig(base_url=full, model="m").endpoint == full
    assert LlmConfig(base_url="https://llm.internal/v1/", model="m").endpoint == full


def test_parse_json_object():
    assert parse_json_object('noise {"a": {"b": 1}} noise') == {"a": {"b": 1}}
    with pytest.raises(LlmBadAnswer):
        parse_json_object("{}}{")
