"""benchmarks/run.py keeps RESULTS.md's parts apart: `make bench` rewrites the figures and keeps
the fuzz section and the analysis; `make bench-fuzz` replaces the fuzz section only."""

import argparse
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import run  # noqa: E402  (benchmarks/run.py)

OLD = """# Benchmark results

Command: old

| row | req/s |
|---|---:|
| baseline GET /healthz | 100 |

Fuzzing (schemathesis, 1,000 cases asked per operation, all checks, valid credentials; 2138 s):

| operation | cases run | responses by status | 5xx | result |
|---|---:|---|---:|---|
| GET /v2/customers | 1,064 | 200: 474 | 0 | pass |

## Analysis

Hand-written words.
"""


@pytest.fixture
def results(tmp_path: Path) -> Path:
    path = tmp_path / "RESULTS.md"
    path.write_text(OLD)
    return path


def _args(results: Path, **extra) -> argparse.Namespace:
    base = {"results": results, "quick": False, "fuzz": 0, "rounds": 2, "before": None}
    return argparse.Namespace(**{**base, **extra})


def test_a_run_without_fuzzing_keeps_the_fuzz_section_and_the_analysis(results):
    run.write_results(_args(results), "| row | req/s |\n| baseline GET /healthz | 555 |", "")
    text = results.read_text()
    assert "| baseline GET /healthz | 555 |" in text and "| 100 |" not in text
    assert "| GET /v2/customers | 1,064 | 200: 474 | 0 | pass |" in text
    assert text.index("555") < text.index("Fuzzing (schemathesis") < text.index("## Analysis")
    assert text.endswith("Hand-written words.\n")
    assert "Command: `make bench` (`python benchmarks/run.py --rounds 2 --results" in text


def test_a_fuzz_run_replaces_only_the_fuzz_section(results):
    new_fuzz = "Fuzzing (schemathesis, 5 cases asked per operation; 3 s):\n\n| GET /v2/wallets | 5 |"
    text = run.with_fuzz_section(results.read_text(), new_fuzz)
    assert "| GET /v2/wallets | 5 |" in text and "| GET /v2/customers | 1,064" not in text
    assert "| baseline GET /healthz | 100 |" in text
    assert text.count("Fuzzing (schemathesis") == 1
    assert text.index("| 100 |") < text.index("Fuzzing (schemathesis") < text.index("## Analysis")
    assert text.endswith("Hand-written words.\n")


def test_the_first_fuzz_section_goes_between_the_figures_and_the_analysis():
    text = run.with_fuzz_section(
        "# Benchmark results\n\n| a |\n\n## Analysis\n\nWords.\n", "Fuzzing (schemathesis, x)"
    )
    assert text.index("| a |") < text.index("Fuzzing (schemathesis, x)") < text.index("## Analysis")


# --- "no row worse than before" -------------------------------------------------------


def _row(ours: list[float], before: list[float]) -> "run.Row":
    row = run.Row("GET /v2/customers page 1", "GET", "/v2/customers", {})
    row.results = [{"ratio": r} for r in ours]
    row.before_results = [{"ratio": r} for r in before]
    return row


def test_round_spread_is_the_wider_side():
    assert run.round_spread(_row([0.10, 0.11], [0.12, 0.15])) == pytest.approx(0.03 / 0.135)
    assert run.round_spread(_row([0.10], [0.12])) == 0.0  # one round measures no noise


@pytest.mark.parametrize(
    ("ratio", "before", "spread", "met", "note"),
    [
        (0.130, 0.128, 0.05, True, ""),  # better
        (0.128, 0.133, 0.06, True, "; even: 3.8% under, rounds moved 6.0%"),  # within the noise
        (0.120, 0.133, 0.06, False, "; 9.8% under, rounds moved 6.0%"),  # worse than the noise
        (0.128, 0.133, 0.0, False, "; 3.8% under, rounds moved 0.0%"),  # one round: strict
    ],
)
def test_a_row_is_worse_only_beyond_its_rounds_spread(ratio, before, spread, met, note):
    assert run.before_verdict(ratio, before, spread) == (met, note)
