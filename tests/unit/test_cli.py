"""The CLI's face: help with examples, one-line errors with a non-zero exit, stats and tail formatting.

Error cases run ``newsflow`` as a subprocess, as a user would, so that a
traceback or a library's log line on stderr fails the test.
"""

from __future__ import annotations

import importlib
import inspect
import io
import os
import pkgutil
import re
import subprocess
import sys

import pytest
from rich.console import Console

import streams
from streams.broker import BrokerError, free_port
from streams.cli import deployment, render
from streams.cli.errors import CliError, WorkerUnreachable
from streams.cli.main import exit_code, main
from streams.cli.stats import merge_stats
from streams.cli.worker import faust_worker
from streams.errors import NewsflowError
from streams.kafka_io import BrokerUnreachable, TopicMismatch
from streams.metrics import record_step
from streams.pipeline import graph, link
from streams.pipeline.errors import PipelineError
from streams.pipeline.steps import CLEAN, DEAD_LETTER, DUPLICATES, EDGES, VERDICTS, Emit
from streams.settings import SettingsError
from streams.stats import Observatory
from tests.conftest import ROOT, SAMPLES
from tests.unit.test_metrics import clean, dead, verdict

COMMANDS = ("run", "worker", "ingest", "process", "tail", "graph", "stats", "schemas")


def newsflow(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    return subprocess.run(
        [sys.executable, "-m", "streams.cli", *args],
        env={**base, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int, *needles: str) -> None:
    assert result.returncode == code, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{result.stderr}"
    assert lines[0].startswith("newsflow")
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_examples(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and f"newsflow {command}" in out


def test_top_level_help_lists_every_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert all(command in out for command in COMMANDS) and "examples:" in out


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["graph"], "article_id"),
        (["frobnicate"], "invalid choice"),
        (["graph", "x", "--depth", "0"], "at least 1"),
        (["graph", "x", "--depth", "5"], "between 1 and 2"),
        (["tail"], "topic"),
        (["stats", "--watch", "soon"], "--watch"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(argv, needle):
    assert_one_line_error(newsflow(*argv), 2, needle, "--help")


def test_a_missing_file_is_one_line_and_exit_2():
    result = newsflow("ingest", "no/such/file.jsonl", NEWSFLOW_BROKER=f"127.0.0.1:{free_port()}")
    assert_one_line_error(result, 2, "no/such/file.jsonl")


def test_an_unreachable_broker_is_one_line_and_exit_3():
    address = f"127.0.0.1:{free_port()}"
    assert_one_line_error(newsflow("ingest", str(SAMPLES), NEWSFLOW_BROKER=address), 3, address)
    tail = newsflow("tail", "articles.clean", "--idle", "1", NEWSFLOW_BROKER=address)
    assert_one_line_error(tail, 3, address)


def test_an_unreachable_worker_is_one_line_and_exit_3_as_the_readme_says():
    url = f"http://127.0.0.1:{free_port()}"
    assert_one_line_error(newsflow("stats", "--url", url), 3, url, "no newsflow worker")
    assert_one_line_error(newsflow("graph", "sample-ar-1", "--url", url), 3, url)
    assert_one_line_error(newsflow("graph", "sample-ar-1", "--url", "http://127.0.0.1:1"), 3, "127.0.0.1:1")


def test_without_a_broker_or_a_run_here_ingest_and_tail_say_how_to_get_one(tmp_path):
    for argv in (("ingest", str(SAMPLES)), ("tail", "articles.clean")):
        result = newsflow(*argv, NEWSFLOW_DATA_DIR=str(tmp_path))
        assert_one_line_error(result, 2, "make run", "NEWSFLOW_BROKER")


def test_a_run_file_left_by_a_dead_run_is_ignored(tmp_path):
    from streams import runfile

    script = "import os; print(os.getpid())"
    dead = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    info = runfile.RunInfo(
        pid=int(dead.stdout), broker="127.0.0.1:1", broker_pid=None, topic_prefix="", data_dir=str(tmp_path)
    )
    runfile.write(tmp_path, info)
    assert runfile.read(tmp_path) is None
    runfile.write(tmp_path, runfile.RunInfo(**{**info.__dict__, "pid": os.getpid()}))
    assert runfile.read(tmp_path).broker == "127.0.0.1:1"
    runfile.remove(tmp_path, pid=12345)  # not ours: kept
    assert runfile.path_in(tmp_path).exists()
    runfile.remove(tmp_path, pid=os.getpid())
    assert not runfile.path_in(tmp_path).exists()


def test_a_running_deployment_gives_the_broker_prefix_and_worker_urls(tmp_path):
    from streams import runfile
    from streams.settings import Settings

    workers = [{"index": 0, "url": "http://127.0.0.1:7001", "pid": os.getpid(), "log": "x"}]
    runfile.write(
        tmp_path,
        runfile.RunInfo(os.getpid(), "127.0.0.1:9", None, "p.", str(tmp_path), workers),
    )
    settings = Settings(data_dir=str(tmp_path))
    found = deployment.with_broker(settings, "ingest")
    assert (found.broker, found.topic_prefix, found.tansu_compat) == ("127.0.0.1:9", "p.", True)
    assert deployment.worker_urls(settings, None) == ["http://127.0.0.1:7001"]
    assert deployment.worker_urls(settings, ["http://w:1/"]) == ["http://w:1"]
    configured = Settings(data_dir=str(tmp_path), broker="kafka:9092")
    assert deployment.with_broker(configured, "ingest") is configured  # NEWSFLOW_BROKER wins
    assert deployment.worker_urls(configured, None) == ["http://127.0.0.1:6066"]


def test_a_bad_setting_names_the_variable():
    assert_one_line_error(newsflow("stats", NEWSFLOW_PARTITIONS="many"), 2, "NEWSFLOW_PARTITIONS")


def test_an_unknown_topic_is_one_line():
    result = newsflow("tail", "articles.nope", NEWSFLOW_BROKER=f"127.0.0.1:{free_port()}")
    assert_one_line_error(result, 2, "articles.nope", "articles.clean")


# --- errors and exit codes -------------------------------------------------------------------------


def newsflow_error_classes() -> list[type[BaseException]]:
    """Every exception class defined anywhere in ``streams``."""
    found = []
    for module in pkgutil.walk_packages(streams.__path__, "streams."):
        imported = importlib.import_module(module.name)
        for value in vars(imported).values():
            defined_here = inspect.isclass(value) and value.__module__ == module.name
            if defined_here and issubclass(value, BaseException):
                found.append(value)
    return found


def test_every_error_newsflow_defines_derives_from_newsflow_error():
    classes = newsflow_error_classes()
    assert {PipelineError, SettingsError, BrokerUnreachable, TopicMismatch, BrokerError} <= set(classes)
    assert {CliError, WorkerUnreachable} <= set(classes)
    assert [c.__qualname__ for c in classes if not issubclass(c, NewsflowError)] == []
    for error in classes:
        assert 400 <= error.http_status < 600 and error.exit_code in (1, 2, 3), error


def readme_exit_codes() -> dict[int, str]:
    """``{2: "bad argument or missing file", ...}`` from the README's "Command line" section."""
    text = (ROOT / "README.md").read_text()
    listed = re.search(r"non-zero\s+exit\s+\(([^)]*)\)", text)
    assert listed, "the README's 'Command line' section no longer lists the exit codes"
    pairs = re.findall(r"(\d+): ([^,]+)", listed[1])
    return {int(code): " ".join(meaning.split()) for code, meaning in pairs}


# The README's words for each error that ends a command on purpose.
README_MEANING = {
    CliError: "bad argument",
    SettingsError: "bad argument",
    TopicMismatch: "bad argument",  # fixed by a setting: NEWSFLOW_PARTITIONS
    FileNotFoundError: "missing file",
    IsADirectoryError: "missing file",
    BrokerUnreachable: "broker",
    BrokerError: "broker",
    WorkerUnreachable: "worker",
}


def test_exit_codes_are_the_ones_the_readme_promises():
    codes = readme_exit_codes()
    for error, meaning in README_MEANING.items():
        promised = [code for code, said in codes.items() if meaning in said]
        assert promised == [exit_code(error("x"))], (error, codes)
    on_purpose = {exit_code(error("x")) for error in README_MEANING}
    assert on_purpose == set(codes)
    # what is not the user's to fix ends as an unexpected error, status 1 (not in the README's list)
    assert exit_code(PipelineError("empty", "parse", "x")) == exit_code(RuntimeError()) == 1 not in codes


# --- what the commands print ------------------------------------------------------------------------


def snapshot(worker: str) -> dict:
    obs = Observatory(window_s=60, bucket_s=5, clock=lambda: 1000.0)
    obs.worker["id"] = worker
    now = 1000.0
    for step, emits in (
        (
            "clean",
            [
                Emit(CLEAN, "a", clean("a", "<b>Original</b> [red]markup[/]")),
                Emit(CLEAN, "b", clean("b", "Repost")),
            ],
        ),
        ("clean", [Emit(DEAD_LETTER, "k", dead("invalid_json"))]),
        (
            "dedup",
            [Emit(VERDICTS, "b", verdict("b", "a", "a")), Emit(DUPLICATES, "b", verdict("b", "a", "a"))],
        ),
    ):
        record_step(
            step, emits, seconds=0.001, input_timestamp_s=None, raw_timestamp_s=None, now=now, observatory=obs
        )
    return orjson_roundtrip(obs.snapshot())


def orjson_roundtrip(value: dict) -> dict:
    import orjson

    return orjson.loads(orjson.dumps(value))


def test_stats_prints_counts_dead_letters_and_duplicates_from_two_workers_added_up():
    merged = merge_stats([snapshot("w1"), snapshot("w2")])
    assert merged["topics"][CLEAN] == 4
    assert merged["dead_letters"]["by_reason"] == [{"stage": "parse", "reason": "invalid_json", "count": 2}]
    assert merged["duplicates"]["ratio"] == {"exact": 1.0, "near": 0.0, "revision": 0.0, "containment": 0.0}
    out = io.StringIO()
    render.print_stats(Console(file=out, width=200, color_system=None), merged, ["http://w1", "http://w2"])
    text = out.getvalue()
    assert "2 workers" in text and "invalid_json" in text and "Repost" in text
    assert "latency from articles.raw" in text and "articles.unique" in text
    # article text is printed as text, not interpreted as rich markup
    assert "<b>Original</b> [red]markup[/]" in text


def test_ingest_summary_gives_count_size_and_rate():
    line = render.ingest_summary(7, 31_948, 0.5, "articles.raw", 1)
    assert line == (
        "[bold]ingest[/] 7 messages (31.2 KiB) from 1 path to articles.raw in 0.50 s: 14 msg/s, 62.4 KiB/s"
    )


def test_the_graph_tree_puts_each_second_hop_article_once_under_its_via_with_titles():
    def item(article_id, via=None, title=None):
        return {
            "article_id": article_id,
            "score": 0.5,
            "reasons": ["story"],
            "via": via,
            "title": title,
            "language": "ar",
            "source": "outlet.example",
            "published_at": None,
        }

    related = [item("b", title="Bee"), item("c"), item("d", via="b", title="Dee")]
    out = io.StringIO()
    Console(file=out, width=200, color_system=None).print(render.related_tree("a", "Root", related, limit=5))
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("a") and "Root" in lines[0]
    assert not any(line.split()[-1] == "a" for line in lines[1:])  # the root is not repeated
    assert [line.strip("│├└─ ").split()[0] for line in lines[1:]] == ["b", "d", "c"]
    assert "Bee" in lines[1] and "ar · outlet.example" in lines[1] and "Dee" in lines[2]


def test_graph_reasons_are_summarised():
    assert render.reason_summary(["story", "entity:place:US", "entity:place:RU", "keyword:x"]) == (
        "story, entity ×2, keyword"
    )


def test_tail_prints_a_coloured_header_and_the_json_on_a_terminal():
    printer = render.PrettyPrinter()
    printer.console = Console(file=io.StringIO(), width=120, force_terminal=True)
    printer.print({"topic": DEAD_LETTER, "key": "k1", "value": {"stage": "parse", "reason": "invalid_json"}})
    text = printer.console.file.getvalue()
    assert "\x1b[" in text  # colour
    assert "articles.dead-letter" in text and "parse: invalid_json" in text and '"reason"' in text


@pytest.mark.parametrize("level", ["warning", "error"])
def test_a_quiet_worker_does_not_turn_debug_logging_on(level, tmp_path):
    """Faust's spinner would set the root logger to DEBUG: aiokafka would build a record per debug line."""
    import logging
    from dataclasses import replace

    from streams.app import create_app
    from streams.settings import Settings

    settings = replace(Settings(), log_level=level, broker="localhost:1", data_dir=str(tmp_path))
    worker = faust_worker(create_app(settings).app, settings)
    logger = logging.getLogger("newsflow.test.quiet-worker")
    logger.setLevel(logging.WARNING)
    worker.on_setup_root_logger(logger, logging.WARNING)
    assert worker.spinner is None and not logger.isEnabledFor(logging.DEBUG)


def test_a_worker_on_a_taken_port_says_which_port_and_setting():
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = newsflow("worker", NEWSFLOW_BROKER="127.0.0.1:1", NEWSFLOW_WEB_PORT=port)
    assert_one_line_error(result, 2, f"port {port}", "NEWSFLOW_WEB_PORT")


def test_the_run_summary_shows_each_related_pair_once_as_its_last_record_says():
    relation = ["story", "entity:place:US", "entity:place:RU"]
    edges = link.both_ways("a", "b", 0.3, "entity:place:US", None, None)
    edges += link.both_ways("a", "b", 0.5, relation, None, None)  # the pair as it stands now
    edges += link.both_ways("a", "c", 0.4, "x", None, None)
    edges += link.both_ways("a", "c", 0.0, [], None, None)  # gone
    related = graph.relations_from_records(edges, top_k=50)
    assert sorted(related) == ["a", "b"]  # c's only relation is gone
    assert related["a"] == [{"article_id": "b", "score": 0.5, "reasons": sorted(relation)}]
    out = io.StringIO()
    render.print_run_summary(Console(file=out, width=200, color_system=None), [], 2, related, (EDGES,))
    rows = [line for line in out.getvalue().splitlines() if "story" in line]
    assert len(rows) == 1 and "entity ×2, story" in rows[0] and "0.5" in rows[0]


def test_a_worker_freezes_what_start_up_built_before_it_runs(monkeypatch, tmp_path):
    """A full garbage collection must not walk the models and the app: about 100 ms each, while working."""
    import gc
    from dataclasses import replace

    import streams.app
    import streams.kafka_io
    import streams.pipeline.steps
    from streams.cli import worker as worker_command
    from streams.settings import Settings

    async def nothing(settings):
        return None

    frozen_when_run = []

    class Worker:
        def execute_from_commandline(self):
            frozen_when_run.append(gc.get_freeze_count())

    class App:
        app = object()

    monkeypatch.setattr(streams.kafka_io, "ensure_topics", nothing)
    monkeypatch.setattr(streams.kafka_io, "check_copartitioned", nothing)
    monkeypatch.setattr(streams.pipeline.steps, "warm_up", lambda: None)
    monkeypatch.setattr(streams.app, "create_app", lambda settings: App())
    monkeypatch.setattr(worker_command, "faust_worker", lambda app, settings: Worker())
    settings = replace(Settings(), broker="127.0.0.1:1", data_dir=str(tmp_path), web_port=free_port())
    gc.unfreeze()
    try:
        assert worker_command.command(None, settings) == 0  # type: ignore[arg-type]
    finally:
        gc.unfreeze()
    assert frozen_when_run and frozen_when_run[0] > 0
