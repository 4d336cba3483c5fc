"""``packaging/prometheus/``: the alert rules load (``promtool check rules`` where promtool is
installed), and, without promtool too, every metric, label and label value an expression names is
one the automat's exposition really has, so a renamed metric cannot leave an alert silent."""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from kiosk.metrics.collector import AutomatCollector
from kiosk.metrics.fbs_calls import FbsCalls
from kiosk.metrics.health import AutomatHealth
from kiosk.metrics.ledger_figures import LedgerReader
from kiosk.metrics.sessions import SessionWatch
from tests.conftest import REPO
from tests.integration.test_metrics_figures import FakeFbs, fake_core, known_rows

FOLDER = REPO / "packaging" / "prometheus"
RULES = FOLDER / "kiosk-alerts.yml"
#: series Prometheus makes itself
BUILT_IN = {"up": {"job", "instance"}}
#: PromQL words that are not metric names
WORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
         "bool", "offset", "sum", "max", "min", "avg", "count", "time", "rate", "increase",
         "changes", "absent", "delta", "max_over_time", "min_over_time"}
SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?")
MATCHER = re.compile(r'(\w+)\s*(=~|!=|!~|=)\s*"([^"]*)"')


def exposition(engine: Engine) -> dict[str, dict[str, set[str]]]:
    """metric name → label name → values, from a scrape of a collector with every series."""
    known_rows(engine)
    core = fake_core(engine)
    calls = FbsCalls()
    core.fbs = FakeFbs(calls)
    calls.observe("register_payment", 0.1, "unavailable", False)
    registry = CollectorRegistry(auto_describe=False)
    collector = AutomatCollector(AutomatHealth(core, LedgerReader(engine, "a1"), calls,
                                               SessionWatch()))
    registry.register(collector)
    calls.register(registry)
    names: dict[str, dict[str, set[str]]] = {}
    for family in text_string_to_metric_families(generate_latest(registry).decode()):
        for sample in family.samples:
            labels = names.setdefault(sample.name, {})
            for key, value in sample.labels.items():
                labels.setdefault(key, set()).add(value)
    collector.automat.close()
    return names


def rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [rule for group in document["groups"] for rule in group["rules"]]


def selectors(expr: str) -> list[tuple[str, dict[str, str]]]:
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # range durations such as [5m]
    found = []
    for name, matchers in SELECTOR.findall(expr):
        if name in WORDS or name.isdigit():
            continue
        found.append((name, {k: v for k, _op, v in MATCHER.findall(matchers or "")}))
    return found


def test_the_rules_file_is_the_alerts_the_issue_asks_for() -> None:
    by_name = {rule["alert"]: rule for rule in rules()}
    for alert in ("KioskPaperOut", "KioskOutOfService", "KioskDebtorExportStalled",
                  "KioskFbsRefusalsWaiting"):
        assert alert in by_name
    assert "3600" in by_name["KioskDebtorExportStalled"]["expr"]  # stalled for more than an hour
    for rule in by_name.values():
        assert rule["expr"] and rule["annotations"]["summary"]
        assert rule["labels"]["severity"] in ("critical", "warning", "info")
    scrape = yaml.safe_load((FOLDER / "prometheus.yml").read_text(encoding="utf-8"))
    assert scrape["rule_files"] == [RULES.name]


def test_every_metric_label_and_value_an_alert_names_is_exported(sqlite_engine: Engine) -> None:
    names = exposition(sqlite_engine)
    for rule in rules():
        for metric, matchers in selectors(rule["expr"]):
            labels = BUILT_IN.get(metric) or names.get(metric)
            assert labels is not None, f"{rule['alert']}: no metric {metric}"
            for key, value in matchers.items():
                if metric in BUILT_IN:
                    continue
                assert key in labels, f"{rule['alert']}: {metric} has no label {key}"
                assert value in labels[key], f"{rule['alert']}: {metric}{{{key}}} is never {value}"


def test_the_check_finds_a_misspelt_metric(sqlite_engine: Engine) -> None:
    names = exposition(sqlite_engine)
    assert [m for m, _ in selectors('kiosk_printer_papr{state="out"} == 1') if m not in names]
    ((metric, matchers),) = selectors('kiosk_printer_paper{state="empty"} == 1')
    assert matchers["state"] not in names[metric]["state"]


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not installed")
def test_promtool_accepts_the_rules_and_the_configuration() -> None:
    config = str(FOLDER / "prometheus.yml")
    for args in (["check", "rules", str(RULES)], ["check", "config", config]):
        result = subprocess.run(["promtool", *args], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stdout + result.stderr

