"""The dashboard's charts: each one a JSON payload and a CSV table, built from the selectors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from voxloop.accounts.models import Workspace
from voxloop.insights import selectors
from voxloop.insights.selectors import DashboardFilter, Period

CHARTS = (
    "kpis",
    "timeseries",
    "heatmap",
    "movers",
    "drivers",
    "wordcloud",
    "channels",
    "segments",
)


class Builder:
    """Builds any subset of the charts for one filter, sharing queries between them."""

    def __init__(
        self,
        workspace: Workspace,
        f: DashboardFilter,
        language: str,
        *,
        topic_names: dict[int, str] | None = None,
        channel_names: dict[int, str] | None = None,
    ) -> None:
        self.workspace, self.f, self.language = workspace, f, language
        self.topic_names, self.channel_names = topic_names, channel_names
        self.period: Period = selectors.period_of(workspace, f)
        self._kpis: dict[str, Any] | None = None
        self._topics: dict[int, tuple[dict[str, int], dict[str, int]]] | None = None
        self._names: dict[int, str] | None = None

    def kpis_raw(self) -> dict[str, Any]:
        if self._kpis is None:
            self._kpis = selectors.kpis(self.workspace, self.f)
        return self._kpis

    def topics(self) -> tuple[dict[int, tuple[dict[str, int], dict[str, int]]], dict[int, str]]:
        if self._topics is None or self._names is None:
            self._topics = selectors.topic_sums(self.workspace, self.f, self.period)
            self._names = (
                self.topic_names
                if self.topic_names is not None
                else selectors.topic_names(self.workspace, self._topics, self.language)
            )
        return self._topics, self._names

    # Each chart: (payload, csv header, csv rows).
    def kpis(self) -> tuple[Any, list[str], list[list[Any]]]:
        data = self.kpis_raw()
        tiles = data["tiles"]
        rows = [
            [
                key,
                t["value"],
                t["low"],
                t["high"],
                t["n"],
                t["small_sample"],
                t["change"]["delta"],
                t["change"]["p_value"],
                t["change"]["significant"],
            ]
            for key, t in tiles.items()
        ]
        header = [
            "kpi",
            "value",
            "low95",
            "high95",
            "n",
            "small_sample",
            "change",
            "p_value",
            "significant",
        ]
        return {"period": data["period"], "tiles": tiles}, header, rows

    def timeseries(self) -> tuple[Any, list[str], list[list[Any]]]:
        s = self.kpis_raw()["series"]
        rows = [
            [d, s["volume"][i], s["positive"][i], s["neutral"][i], s["negative"][i]]
            for i, d in enumerate(s["days"])
        ]
        return s, ["day", "volume", "positive", "neutral", "negative"], rows

    def heatmap(self) -> tuple[Any, list[str], list[list[Any]]]:
        h = selectors.heatmap(
            self.workspace, self.f, self.period, self.language, names=self.topic_names
        )
        rows = [[h["topics"][y], h["weeks"][x], share, n] for x, y, share, n in h["cells"]]
        return h, ["topic", "week", "negative_share", "volume"], rows

    def movers(self) -> tuple[Any, list[str], list[list[Any]]]:
        topics, names = self.topics()
        m = selectors.movers(topics, names)
        rows = [
            [
                r["name"],
                r["negative"],
                r["previous_negative"],
                r["change"],
                r["p_value"],
                r["significant"],
            ]
            for r in m
        ]
        header = ["topic", "negative", "previous_negative", "change_pct", "p_value", "significant"]
        return m, header, rows

    def drivers(self) -> tuple[Any, list[str], list[list[Any]]]:
        topics, names = self.topics()
        d = selectors.drivers(topics, self.kpis_raw()["totals"]["current"], names)
        rows = [
            [
                r["name"],
                r["volume"],
                r["nps"],
                r["nps_impact"],
                r["csat_impact"],
                r["negative_share"],
                r["growth"],
                r["score"],
            ]
            for r in d
        ]
        header = [
            "topic",
            "volume",
            "nps",
            "nps_impact",
            "csat_impact",
            "negative_share",
            "growth_pct",
            "priority",
        ]
        return d, header, rows

    def wordcloud(self) -> tuple[Any, list[str], list[list[Any]]]:
        words = selectors.wordcloud(self.workspace, self.f, self.period)
        return (
            [{"text": w, "weight": x} for w, x in words],
            ["phrase", "weight"],
            [[w, x] for w, x in words],
        )

    def _breakdown(self, by: str) -> tuple[Any, list[str], list[list[Any]]]:
        b = selectors.breakdown(
            self.workspace, self.f, self.period, by, channel_names=self.channel_names
        )
        rows = [
            [
                r["name"],
                r["volume"],
                r["negative_share"],
                r["nps"]["value"],
                r["nps"]["n"],
                r["csat"]["value"],
                r["csat"]["n"],
            ]
            for r in b
        ]
        header = [by, "volume", "negative_share", "nps", "nps_n", "csat", "csat_n"]
        return b, header, rows

    def channels(self) -> tuple[Any, list[str], list[list[Any]]]:
        return self._breakdown("channel")

    def segments(self) -> tuple[Any, list[str], list[list[Any]]]:
        return self._breakdown("segment")

    def chart(self, name: str) -> tuple[Any, list[str], list[list[Any]]]:
        if name not in CHARTS:
            raise KeyError(name)
        build: Callable[[], tuple[Any, list[str], list[list[Any]]]] = getattr(self, name)
        return build()

    def all(self) -> dict[str, Any]:
        return {name: self.chart(name)[0] for name in CHARTS}


def chart_titles() -> dict[str, str]:
    return {
        "kpis": _("Key figures"),
        "timeseries": _("Volume and sentiment over time"),
        "heatmap": _("Negative share by topic and week"),
        "movers": _("Top movers"),
        "drivers": _("Key drivers: fix this first"),
        "wordcloud": _("Keyphrases"),
        "channels": _("By channel"),
        "segments": _("By segment"),
    }


def builder_for(form: Any, language: str) -> Builder:
    """A builder for a validated DashboardFilterForm, reusing the names it already loaded."""
    return Builder(
        form.workspace,
        form.to_filter(),
        language,
        topic_names=form.topic_names,
        channel_names=form.channel_names,
    )
