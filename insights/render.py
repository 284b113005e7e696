"""Writes the staff report as one self-contained HTML file: inline SVG charts (matplotlib), no scripts,
no external styles or fonts, so it opens in a browser without network access."""

from __future__ import annotations

import html
import io
from collections import Counter
from datetime import datetime, timezone
from typing import Dict, List, Mapping, Sequence, Tuple

import matplotlib

matplotlib.use("Agg")  # no display on servers and in cron
import matplotlib.pyplot as plt  # noqa: E402

from insights.collect import (  # noqa: E402
    FALLBACK_INTENT,
    OUT_OF_SCOPE_INTENT,
    AskBackFigures,
    Insights,
)
from insights.topics import TopicNames  # noqa: E402

plt.rcParams.update({"svg.fonttype": "none", "font.size": 10, "figure.dpi": 96})
TOP_TOPICS_IN_CHART = 8
ASK_BACK, ASK_BACKS = "Rückfrage", "Rückfragen"


def render_report(
    insights: Insights,
    topic_names: TopicNames,
    generated_at: datetime | None = None,
    reviewed_per_week: Mapping[str, int] | None = None,
    review_url: str | None = None,
) -> str:
    """The page, with every topic under its German name (insights/topics.py), never an intent name;
    with the staff review page's link and its reviewed messages per week (review/)."""
    generated_at = generated_at or datetime.now(timezone.utc)
    topics_by_week = {week: topic_names.rename(figures.topics) for week, figures in insights.weeks.items()}
    not_understood, off_topic = topic_names.name(FALLBACK_INTENT), topic_names.name(OUT_OF_SCOPE_INTENT)
    rate_names = (ASK_BACK, not_understood, off_topic)
    sections = [
        _section("Fragen pro Thema und Woche", _topics_chart(topics_by_week), _topics_table(topics_by_week)),
        _section("Kanäle", _channels_chart(insights), _counter_table(insights.channels, "Kanal")),
        _section(
            _sentence_case(f"{ASK_BACKS}, {not_understood} und {off_topic}"),
            _rates_explanation(not_understood) + _rates_chart(insights, rate_names),
            _rates_table(insights, rate_names),
        ),
        _section(
            f"{ASK_BACKS}: welches Thema gewählt wurde",
            _ask_back_summary(insights),
            _ask_back_table(name_ask_backs(insights.ask_backs, topic_names)),
        ),
        _section(
            "Häufigste unbeantwortete Nachrichten (maskiert)",
            _review_link(review_url),
            _unanswered_table(insights),
        ),
        _section("Geprüfte Nachrichten pro Woche", "", _reviewed_table(reviewed_per_week or {})),
        _section("Antworten mit Notfallhinweis pro Woche", _red_flag_chart(insights), ""),
        _section("Terminangebot", _booking_chart(insights), _booking_table(insights)),
    ]
    return _PAGE.format(
        generated=html.escape(generated_at.strftime("%Y-%m-%d %H:%M UTC")),
        conversations=insights.conversations,
        user_messages=insights.user_messages,
        average=f"{insights.average_conversation_length:.1f}".replace(".", ","),
        sections="\n".join(sections),
    )


def _section(title: str, chart: str, table: str) -> str:
    return f"<section><h2>{html.escape(title)}</h2>{chart}{table}</section>"


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def _svg(figure: "plt.Figure") -> str:
    buffer = io.StringIO()
    figure.savefig(
        buffer,
        format="svg",
        bbox_inches="tight",
        metadata={"Creator": None, "Date": None, "Format": None, "Type": None},
    )
    plt.close(figure)
    svg = buffer.getvalue()
    return f'<div class="chart">{svg[svg.index("<svg") :]}</div>'  # drop the XML prolog and DOCTYPE


def _topics_chart(topics_by_week: Dict[str, Counter[str]]) -> str:
    weeks = list(topics_by_week)
    if not weeks:
        return "<p>Noch keine Gespräche gespeichert.</p>"
    topics = [topic for topic, _ in _all_weeks(topics_by_week).most_common(TOP_TOPICS_IN_CHART)]
    figure, axes = plt.subplots(figsize=(8, 3.5))
    bottom = [0] * len(weeks)
    for topic in topics:
        values = [topics_by_week[week].get(topic, 0) for week in weeks]
        axes.bar(weeks, values, bottom=bottom, label=topic)
        bottom = [low + value for low, value in zip(bottom, values)]
    axes.set_ylabel("Nachrichten")
    axes.legend(fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
    return _svg(figure)


def _channels_chart(insights: Insights) -> str:
    if not insights.channels:
        return ""
    figure, axes = plt.subplots(figsize=(5, 2.5))
    names, counts = zip(*insights.channels.most_common())
    axes.barh(names, counts)
    axes.set_xlabel("Nachrichten")
    return _svg(figure)


def _rates_explanation(not_understood: str) -> str:
    return (
        f"<p>Nachrichten, die der Assistent keinem Thema sicher zuordnen konnte (bei den Themen oben "
        f"„{html.escape(not_understood)}“), bekommen eine {ASK_BACK} mit zwei naheliegenden Themen zur Wahl, "
        f"wenn es solche gibt, sonst die Antwort „{html.escape(not_understood)}“ mit der Themenliste. "
        "Anteile in Prozent aller Nachrichten der Woche.</p>"
    )


def _rates_chart(insights: Insights, names: Sequence[str]) -> str:
    """`names`: of the ask-backs, the not understood and the off-topic messages, as in the table."""
    weeks = list(insights.weeks)
    if not weeks:
        return ""
    figure, axes = plt.subplots(figsize=(8, 3))
    axes.plot(weeks, [100 * insights.weeks[w].asked_back_rate for w in weeks], marker="^", label=names[0])
    axes.plot(weeks, [100 * insights.weeks[w].not_understood_rate for w in weeks], marker="o", label=names[1])
    axes.plot(weeks, [100 * insights.weeks[w].out_of_scope_rate for w in weeks], marker="s", label=names[2])
    axes.set_ylabel("% der Nachrichten")
    axes.set_ylim(bottom=0)
    axes.legend(fontsize=8)
    return _svg(figure)


def _red_flag_chart(insights: Insights) -> str:
    weeks = list(insights.weeks)
    if not weeks:
        return ""
    figure, axes = plt.subplots(figsize=(8, 2.5))
    axes.bar(weeks, [insights.weeks[w].red_flag_answers for w in weeks], color="#b22222")
    axes.set_ylabel("Antworten")
    return _svg(figure) + _table(
        ["Woche", "Notfallhinweise"], [[w, insights.weeks[w].red_flag_answers] for w in weeks]
    )


def _booking_chart(insights: Insights) -> str:
    figure, axes = plt.subplots(figsize=(6, 2.2))
    labels = ["Gespräche", "Angebot erhalten", "Angebot angenommen", "Buchungsinfo erhalten"]
    values = [
        insights.conversations,
        insights.offered_booking,
        insights.accepted_offer,
        insights.requested_booking,
    ]
    axes.barh(labels[::-1], values[::-1], color="#2f6f8f")
    axes.set_xlabel("Gespräche")
    return _svg(figure)


def _topics_table(topics_by_week: Dict[str, Counter[str]]) -> str:
    weeks = list(topics_by_week)
    rows = [
        [topic, *[topics_by_week[w].get(topic, 0) for w in weeks], total]
        for topic, total in _all_weeks(topics_by_week).most_common()
    ]
    return _table(["Thema", *weeks, "gesamt"], rows)


def _all_weeks(topics_by_week: Dict[str, Counter[str]]) -> Counter[str]:
    return sum(topics_by_week.values(), Counter())


def _counter_table(counter: Dict[str, int], label: str) -> str:
    total = sum(counter.values()) or 1
    return _table(
        [label, "Nachrichten", "Anteil"],
        [[name, count, f"{100 * count / total:.0f} %"] for name, count in counter.most_common()],
    )


def _rates_table(insights: Insights, names: Sequence[str]) -> str:
    return _table(
        ["Woche", "Nachrichten", *names],
        [
            [
                w,
                f.user_messages,
                f"{f.asked_back} ({100 * f.asked_back_rate:.0f} %)",
                f"{f.not_understood} ({100 * f.not_understood_rate:.0f} %)",
                f"{f.out_of_scope} ({100 * f.out_of_scope_rate:.0f} %)",
            ]
            for w, f in insights.weeks.items()
        ],
    )


def name_ask_backs(
    ask_backs: Dict[Tuple[str, ...], AskBackFigures], topic_names: TopicNames
) -> Dict[Tuple[str, ...], AskBackFigures]:
    """The ask-backs by the German names of the offered topics, sorted as staff look them up; topics that
    share a name (intents of an earlier model) are added up."""
    named: Dict[Tuple[str, ...], AskBackFigures] = {}
    for offered, figures in ask_backs.items():
        names = tuple(sorted((topic_names.name(intent) for intent in offered), key=str.casefold))
        total = named.setdefault(names, AskBackFigures())
        total.asked += figures.asked
        total.chosen.update(topic_names.rename(figures.chosen))
        total.typed_other += figures.typed_other
        total.left += figures.left
    return named


def _ask_back_summary(insights: Insights) -> str:
    asked = sum(figures.asked for figures in insights.ask_backs.values())
    if not asked:
        return f"<p>Keine {ASK_BACKS}.</p>"
    chosen = sum(sum(figures.chosen.values()) for figures in insights.ask_backs.values())
    return (
        f"<p>{asked} {ASK_BACKS}; nach {chosen} davon ({100 * chosen / asked:.0f} %) wählten die "
        "Patientinnen und Patienten eines der angebotenen Themen (angeklickt oder geschrieben), sonst "
        "schrieben sie etwas anderes oder verließen das Gespräch.</p>"
    )


def _ask_back_table(named: Dict[Tuple[str, ...], AskBackFigures]) -> str:
    if not named:
        return ""
    rows = [
        [
            " oder ".join(f"„{name}“" for name in names) or "ohne Themen",
            figures.asked,
            ", ".join(f"{figures.chosen[name]} × {name}" for name in dict.fromkeys(names)),
            figures.typed_other,
            figures.left,
        ]
        for names, figures in sorted(named.items(), key=lambda item: (-item[1].asked, item[0]))
    ]
    return _table(
        [
            "Themen zur Wahl",
            ASK_BACKS,
            "gewählt",
            "etwas anderes geschrieben",
            "Gespräch verlassen",
        ],
        rows,
    )


def _review_link(review_url: str | None) -> str:
    if not review_url:
        return ""
    link = html.escape(review_url, quote=True)
    return (
        f'<p>Auf der Seite <a href="{link}">Nachrichten prüfen</a> ordnen Sie diese Nachrichten einem '
        "Thema zu, damit der Assistent sie künftig beantwortet.</p>"
    )


def _reviewed_table(reviewed_per_week: Mapping[str, int]) -> str:
    if not reviewed_per_week:
        return "<p>Noch keine.</p>"
    return _table(["Woche", "geprüft"], [[week, count] for week, count in sorted(reviewed_per_week.items())])


def _unanswered_table(insights: Insights) -> str:
    if not insights.unanswered:
        return "<p>Keine.</p>"
    return _table(["Nachricht", "Anzahl"], [[text, count] for text, count in insights.unanswered])


def _booking_table(insights: Insights) -> str:
    offered = insights.offered_booking or 1
    return _table(
        ["", "Gespräche"],
        [
            ["mit Terminangebot", insights.offered_booking],
            [
                "Angebot angenommen (direkt auf das Angebot mit Ja geantwortet)",
                f"{insights.accepted_offer} ({100 * insights.accepted_offer / offered:.0f} % der Angebote)",
            ],
            [
                "Buchungsinfo erhalten (Angebot angenommen oder direkt nach einem Termin gefragt)",
                insights.requested_booking,
            ],
        ],
    )


def _table(header: Sequence[str], rows: List[Sequence[object]]) -> str:
    head = "".join(f"<th>{html.escape(str(cell))}</th>" for cell in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_PAGE = """<!DOCTYPE html>
<html lang="de">
<head>
<meta charset="utf-8">
<title>Chat-Assistent: Auswertung für das Praxisteam</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; padding: 0 1em; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1.5em; }}
th, td {{ border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }}
.chart svg {{ max-width: 100%; height: auto; }}
.summary {{ font-size: 1.1em; }}
</style>
</head>
<body>
<h1>Chat-Assistent: Auswertung für das Praxisteam</h1>
<p>Erstellt {generated}. Nur Summen und maskierte Texte, keine Gesprächskennungen.</p>
<p class="summary">{conversations} Gespräche, {user_messages} Nachrichten von Patientinnen und Patienten,
durchschnittlich {average} Nachrichten pro Gespräch.</p>
{sections}
</body>
</html>
"""
