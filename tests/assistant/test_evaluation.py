"""`kefu assistant eval` on small generated CSV files."""

import csv
import json
import random
import subprocess
import sys

import pytest

from kefu.assistant import evaluation

TOPICS = {
    "deposit": ["deposit", "top up", "fund my account", "crypto transfer in", "incoming coins"],
    "withdrawal": ["withdrawal", "cash out", "send coins out", "withdraw to my wallet", "payout"],
    "password": ["password", "login credentials", "sign in secret", "passcode", "forgotten password"],
    "kyc": ["identity verification", "kyc", "verify my id", "passport check", "selfie verification"],
}
FRAMES = [
    "my {} is not working", "how long does a {} take", "problem with {}", "why did the {} fail",
    "help me with the {}", "is there a fee for {}", "{} stuck", "what happened to my {}",
    "can you explain the {}", "where do I see the {}", "the {} shows an error", "{} question",
]


def write_csv(path, rows, header=("text", "category")):
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def data(tmp_path):
    rng = random.Random(3)
    rows = [(f.format(phrase), topic) for topic, phrases in TOPICS.items() for phrase in phrases for f in FRAMES]
    rng.shuffle(rows)
    test, train = rows[:40], rows[40:]
    return write_csv(tmp_path / "train.csv", train), write_csv(tmp_path / "test.csv", test)


def test_json_report(data, capsys):
    train, test = data
    assert evaluation.main(["--train", str(train), "--test", str(test), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    for key in ("accuracy", "coverage_at_95", "precision_at_95", "coverage_at_98", "precision_at_98",
                "p50_ms", "p99_ms", "peak_rss_mb"):
        assert isinstance(report[key], float), key
    assert report["test_rows"] == 40 and report["articles"] == 4
    assert report["accuracy"] > 0.5
    assert 0.0 <= report["coverage_at_98"] <= report["coverage_at_95"] <= 1.0
    assert report["p50_ms"] <= report["p99_ms"] and report["peak_rss_mb"] > 10


def test_text_report_through_the_kefu_command(data):
    train, test = data
    result = subprocess.run(
        [sys.executable, "-m", "kefu.cli", "assistant", "eval", "--train", str(train), "--test", str(test),
         "--shots", "5", "--seed", "1"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "top-1 accuracy" in result.stdout
    assert "target precision 98%: threshold" in result.stdout
    assert "examples per article: 5" in result.stdout
    assert "20 rows, 4 articles" in result.stdout  # 5 shots x 4 categories


def test_shots_keep_n_per_category_chosen_by_seed():
    rows = [(f"q{i}", c) for c in "abc" for i in range(10)]
    picked = evaluation.select_shots(rows, 3, seed=1)
    assert sorted(c for _, c in picked) == list("aaabbbccc")
    assert picked == evaluation.select_shots(rows, 3, seed=1)
    assert picked != evaluation.select_shots(rows, 3, seed=2)


def test_test_file_is_read_only_after_the_thresholds_are_fixed(data, monkeypatch, capsys):
    train, test = data
    calls = []
    real_read, real_fix = evaluation.read_labelled_csv, evaluation.fix_thresholds

    def read(path):
        calls.append(("read", str(path)))
        return real_read(path)

    def fix(*args, **kwargs):
        result = real_fix(*args, **kwargs)
        calls.append(("thresholds fixed", None))
        return result

    monkeypatch.setattr(evaluation, "read_labelled_csv", read)
    monkeypatch.setattr(evaluation, "fix_thresholds", fix)
    assert evaluation.main(["--train", str(train), "--test", str(test)]) == 0
    assert calls == [("read", str(train)), ("thresholds fixed", None), ("read", str(test))]


def test_thresholds_do_not_depend_on_the_test_file(data, tmp_path, capsys):
    train, test = data
    evaluation.main(["--train", str(train), "--test", str(test), "--json"])
    first = json.loads(capsys.readouterr().out)
    other = write_csv(tmp_path / "other.csv", [("completely unrelated words", "deposit")] * 5)
    evaluation.main(["--train", str(train), "--test", str(other), "--json"])
    second = json.loads(capsys.readouterr().out)
    assert first["thresholds"] == second["thresholds"]


def test_choose_threshold_reaches_the_target_on_dev():
    outcomes = [(0.9, True)] * 19 + [(0.8, False)] + [(0.7, True)] * 10 + [(0.3, False)] * 10
    threshold = evaluation.choose_threshold(outcomes, 0.95)
    precision, coverage = evaluation.precision_coverage(outcomes, threshold)
    assert threshold == 0.7 and precision >= 0.95 and coverage == 0.75
    assert evaluation.choose_threshold([(0.5, False)], 0.95) > 1.0  # never reached: answer nothing


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.csv", "no such file"),
        (lambda d: write_csv(d / "cols.csv", [("hi", "a")], header=("question", "label")), "missing column"),
        (lambda d: write_csv(d / "empty.csv", []), "no rows"),
        (lambda d: (d / "binary.csv").write_bytes(b"text,category\n\xff\xfe,x\n") and d / "binary.csv", "UTF-8"),
    ],
)
@pytest.mark.parametrize("which", ["train", "test"])
def test_bad_input_exits_2_with_a_readable_message(data, tmp_path, capsys, make, message, which):
    train, test = data
    bad = make(tmp_path)
    args = {"train": str(train), "test": str(test), which: str(bad)}
    assert evaluation.main(["--train", args["train"], "--test", args["test"]]) == 2
    err = capsys.readouterr().err
    assert message in err and str(bad) in err


def test_bad_shots_exit_2(data, capsys):
    train, test = data
    assert evaluation.main(["--train", str(train), "--test", str(test), "--shots", "0"]) == 2
    assert "--shots" in capsys.readouterr().err
