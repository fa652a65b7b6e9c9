"""Everything the CLI draws beyond one line: tables, trees, a tailed message.

Values come in as the pipeline or a worker's HTTP API gives them; nothing here
asks a broker or a worker, and nothing here decides what is related or duplicate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from rich.columns import Columns
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from rich.tree import Tree


def ingest_summary(sent: int, total_bytes: int, elapsed_s: float, topic: str, paths: int) -> str:
    """``ingest 7 messages (31.2 KiB) from 1 path to articles.raw in 0.21 s: 33 msg/s, 148.6 KiB/s``"""
    return (
        f"[bold]ingest[/] {sent:,} message{'s' if sent != 1 else ''} ({total_bytes / 1024:,.1f} KiB) "
        f"from {paths} path{'s' if paths != 1 else ''} to {topic} in {elapsed_s:.2f} s: "
        f"{sent / elapsed_s:,.0f} msg/s, {total_bytes / 1024 / elapsed_s:,.1f} KiB/s"
    )


def print_run_summary(
    console: Console,
    records: list[tuple[str, Any]],
    expected_inputs: int,
    related: dict[str, list[dict[str, Any]]],
    topics: tuple[str, ...],
) -> None:
    """What ``newsflow run --ingest`` got out of the pipeline: ``records`` as ``(topic, value)``,
    ``topics`` the output topics, ``related`` each article's related articles, best first."""
    counts = Counter(topic for topic, _ in records)
    table = Table(title=f"output of {expected_inputs} raw messages")
    table.add_column("topic")
    table.add_column("messages", justify="right")
    for topic in topics:
        table.add_row(topic, str(counts.get(topic, 0)))
    console.print(table)

    articles = Table(title="clean articles")
    for column in ("article_id", "parent_id", "language", "title", "paragraphs"):
        articles.add_column(column)
    for topic, value in records:
        if topic == "articles.clean":
            articles.add_row(
                value["article_id"],
                value["parent_id"] or "",
                value["language"] or "",
                (value["title"] or "")[:60],
                str(len(value["paragraphs"])),
            )
    console.print(articles)

    verdicts = Table(title="duplicates")
    for column in ("article_id", "duplicate_of", "kind", "similarity", "rule"):
        verdicts.add_column(column)
    for value in _latest(records, "articles.duplicates"):
        verdicts.add_row(
            value["article_id"],
            value["duplicate_of"],
            value["kind"],
            f"{value['similarity']:.2f}",
            value["rule"],
        )
    console.print(verdicts)

    edges = Table(title="related articles (graph.edges: the last record of each pair)")
    for column in ("article", "related", "score", "reasons"):
        edges.add_column(column)
    for article_id, item in _pairs(related):
        edges.add_row(article_id, item["article_id"], f"{item['score']:.2f}", reason_summary(item["reasons"]))
    console.print(edges)

    dead = Table(title="dead letters")
    for column in ("stage", "reason", "error", "bytes"):
        dead.add_column(column)
    for topic, value in records:
        if topic == "articles.dead-letter":
            dead.add_row(value["stage"], value["reason"], value["error"][:70], str(value["original_bytes"]))
    console.print(dead)


def _pairs(
    related: dict[str, list[dict[str, Any]]], per_article: int = 3
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each article's best related articles, each pair once."""
    shown: set[frozenset[str]] = set()
    for article_id in sorted(related):
        for item in related[article_id][:per_article]:
            pair = frozenset((article_id, item["article_id"]))
            if pair not in shown:
                shown.add(pair)
                yield article_id, item


def _latest(records: list[tuple[str, Any]], topic: str) -> Iterator[Any]:
    """The last value per article id: verdicts can change when an earlier article arrives."""
    latest: dict[str, Any] = {}
    for name, value in records:
        if name == topic:
            latest[value["article_id"]] = value
    return iter(latest.values())


def related_tree(root_id: str, root_title: str | None, related: list[dict[str, Any]], limit: int) -> Tree:
    """A rich Tree: the first hop under the root, each second-hop article under its ``via``, once."""

    def label(article_id: str, title: str | None, extra: str = "") -> str:
        shown = f"  [dim]{escape(title[:90])}[/]" if title else ""
        return f"[bold]{escape(article_id)}[/]{extra}{shown}"

    def item_label(item: dict[str, Any]) -> str:
        meta = " · ".join(str(item[k]) for k in ("language", "source") if item.get(k))
        extra = f"  [cyan]{item['score']:.2f}[/] [magenta]{escape(reason_summary(item['reasons']))}[/]"
        if meta:
            extra += f" [dim]({escape(meta)})[/]"
        return label(item["article_id"], item.get("title"), extra)

    def add_items(node: Any, items: list[dict[str, Any]]) -> None:
        for item in items[:limit]:
            child = node.add(item_label(item))
            add_items(child, children.get(item["article_id"], []))
        if len(items) > limit:
            node.add(f"[dim]… {len(items) - limit} more (--limit)[/]")

    children: dict[str, list[dict[str, Any]]] = {}
    for item in related:
        if item.get("via"):
            children.setdefault(item["via"], []).append(item)
    tree = Tree(label(root_id, root_title))
    first = [item for item in related if not item.get("via")]
    add_items(tree, first)
    if not first:
        tree.add("[dim]no related articles[/]")
    return tree


def reason_summary(reasons: list[str]) -> str:
    """``story, embedded, entity ×8, keyword ×2``: why two articles are related, in a few words."""
    kinds: Counter[str] = Counter(reason.split(":", 1)[0] for reason in reasons)
    return ", ".join(kind if n == 1 else f"{kind} ×{n}" for kind, n in kinds.items())


def print_stats(console: Console, stats: dict[str, Any], urls: list[str]) -> None:

    from streams.pipeline.steps import PUBLIC_TOPICS, RAW  # heavy: the pipeline's models

    workers = stats.get("workers") or [stats["worker"]]
    console.print(
        f"[bold]newsflow[/] {len(workers)} worker{'s' if len(workers) != 1 else ''}: {', '.join(urls)}"
        f"  [dim](window {stats['window_s'] / 60:.0f} min)[/]"
    )
    topics = Table(title="messages out, by topic", title_justify="left")
    topics.add_column("topic")
    topics.add_column("messages", justify="right")
    clean = next((s for s in stats["steps"] if s["step"] == "clean"), None)
    topics.add_row(f"{RAW} [dim](read)[/]", f"{clean['in'] if clean else 0:,}")
    for topic in PUBLIC_TOPICS[1:]:
        count = stats["topics"].get(topic, 0)
        style = "red" if topic.endswith("dead-letter") and count else ""
        topics.add_row(topic, f"[{style}]{count:,}[/]" if style else f"{count:,}")

    steps = Table(title="stages", title_justify="left")
    for column, justify in (
        ("step", "left"),
        ("reads", "left"),
        ("in", "right"),
        ("out", "right"),
        ("msg/s (1 min)", "right"),
        ("lag", "right"),
    ):
        steps.add_column(column, justify=justify)  # type: ignore[arg-type]
    for step in stats["steps"]:
        lag = step["lag"] or 0
        steps.add_row(
            step["step"],
            f"[dim]{step['source']}[/]",
            f"{step['in']:,}",
            f"{step['out']:,}",
            f"{step['rate_per_s']:.2f}",
            f"[yellow]{lag:,}[/]" if lag else "0",
        )
    console.print(Columns([topics, steps]))

    latency = Table(title="latency from articles.raw (last 10 min)", title_justify="left")
    for column in ("topic", "p50", "p99", "messages"):
        latency.add_column(column, justify="left" if column == "topic" else "right")
    for topic, figures in (stats.get("latency") or {}).items():
        latency.add_row(topic, _ms(figures["p50_ms"]), _ms(figures["p99_ms"]), f"{figures['count']:,}")
    group = Table(title="workers", title_justify="left")
    for column in ("worker", "state", "pid", "partitions", "memory"):
        group.add_column(column, justify="right" if column in ("pid", "memory") else "left")
    for worker in stats.get("workers_seen") or stats.get("workers") or []:
        state = "[green]up[/]" if worker.get("up", True) else "[red]down[/]"
        rss = worker.get("rss_bytes")
        group.add_row(
            escape(str(worker.get("url"))),
            state,
            str(worker.get("pid") or "–"),
            ", ".join(map(str, worker.get("partitions") or [])) or "–",
            f"{rss / 1048576:,.0f} MiB" if rss else "–",
        )
    console.print(Columns([latency, group]))

    dead = Table(title="dead letters", title_justify="left")
    for column in ("stage", "reason", "count"):
        dead.add_column(column, justify="right" if column == "count" else "left")
    for row in stats["dead_letters"]["by_reason"]:
        dead.add_row(row["stage"], f"[red]{escape(row['reason'])}[/]", f"{row['count']:,}")
    latest = Table(title="latest dead letters", title_justify="left")
    for column in ("reason", "article", "error"):
        latest.add_column(column, overflow="fold")
    for item in stats["dead_letters"]["latest"][:5]:
        article = escape(str(item["article_id"] or "–"))
        latest.add_row(escape(item["reason"]), article, escape(item["error"][:100]))
    console.print(Columns([dead, latest]))

    dup = stats["duplicates"]
    ratio = ", ".join(f"{kind} {share:.1%}" for kind, share in dup["ratio"].items())
    duplicates = Table(title=f"duplicates: {dup['verdicts']:,} verdicts, {ratio}", title_justify="left")
    for column in ("duplicate", "matches", "kind", "similarity"):
        duplicates.add_column(column, overflow="fold")
    for item in dup["latest"][:8]:
        similarity = f"{item['similarity']:.2f}" if item["similarity"] is not None else "–"
        duplicates.add_row(
            _titled(item["article_id"], item.get("title")),
            _titled(item["duplicate_of"], item.get("matched_title")),
            escape(str(item["kind"])),
            similarity,
        )
    console.print(duplicates)

    stories = Table(title="top stories", title_justify="left")
    stories.add_column("articles", justify="right")
    stories.add_column("story", overflow="fold")
    for item in stats["top_stories"]:
        stories.add_row(str(item["articles"]), _titled(item["story_id"], item.get("title")))
    entities = Table(title="top entities", title_justify="left")
    for column in ("articles", "entity", "type"):
        entities.add_column(column, justify="right" if column == "articles" else "left")
    for item in stats["top_entities"]:
        entities.add_row(str(item["articles"]), escape(item["name"]), item["type"])
    console.print(Columns([stories, entities]))

    lagging = sorted((p for p in stats["partitions"] if p.get("lag")), key=lambda p: -p["lag"])[:10]
    assigned = len(stats["partitions"])
    summary = (
        f"{assigned} partitions assigned, graph {stats['graph']['nodes']:,} nodes / "
        f"{stats['graph']['edges']:,} edges"
    )
    if lagging:
        summary += "; lagging: " + ", ".join(f"{p['topic']}[{p['partition']}] {p['lag']:,}" for p in lagging)
    console.print(f"[dim]{summary}[/]")


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f} ms" if value < 1000 else f"{value / 1000:,.1f} s"


def _titled(article_id: str | None, title: str | None) -> str:

    if not title:
        return escape(str(article_id))
    return f"{escape(title[:70])} [dim]{escape(str(article_id))}[/]"


class PrettyPrinter:
    """A coloured header per message (topic, key, the gist), then its value as indented JSON."""

    STYLES = {
        "articles.dead-letter": "bold red",
        "articles.duplicates": "bold magenta",
        "articles.unique": "bold green",
        "graph.edges": "bold cyan",
    }

    def __init__(self) -> None:

        self.console = Console(highlight=False)

    def print(self, message: dict[str, Any]) -> None:

        topic, key, value = message["topic"], message["key"], message["value"]
        header = Text()
        header.append(f"● {topic}", style=self.STYLES.get(topic, "bold blue"))
        header.append(f"  {key}" if key is not None else "  (no key)", style="yellow")
        gist = _gist(topic, value)
        if gist:
            header.append(f"  {gist}", style="dim")
        self.console.print(header)
        if isinstance(value, dict | list):
            self.console.print_json(data=value, indent=2)
        else:
            self.console.print(Text(str(value)))


def _gist(topic: str, value: Any) -> str:
    """One line that says what a message is, before its JSON."""
    if not isinstance(value, dict):
        return ""
    if topic == "articles.dead-letter":
        return f"{value.get('stage')}: {value.get('reason')}"
    if topic in ("articles.duplicates", "articles.verdicts"):
        if value.get("status") == "duplicate":
            similarity = value.get("similarity")
            return f"duplicate of {value.get('duplicate_of')} ({value.get('kind')}, {similarity})"
        return f"{value.get('status')} · story {value.get('story_id')}"
    if topic == "graph.edges":
        reasons = ", ".join(value.get("reasons", []))
        return f"{value.get('src')} → {value.get('dst')} {value.get('score')} {reasons}"
    title = value.get("title")
    return f"[{value.get('language')}] {title[:80]}" if title else ""
