"""What-if scenarios: a base problem and named variants (typed changes), solved side by side."""

from optimizer.scenarios.apply import ScenarioError, apply_changes, scenario_problems
from optimizer.scenarios.compare import METRICS, compare, format_table
from optimizer.scenarios.load import ScenarioFileError, load_scenario, parse_scenario
from optimizer.scenarios.model import BASE_NAME, Scenario, Variant
from optimizer.scenarios.runner import RunResult, ScenarioResult, run_problems, run_scenario

__all__ = [
    "BASE_NAME", "METRICS", "RunResult", "Scenario", "ScenarioError", "ScenarioFileError", "ScenarioResult", "Variant",
    "apply_changes", "compare", "format_table", "load_scenario", "parse_scenario", "run_problems", "run_scenario",
    "scenario_problems",
]
