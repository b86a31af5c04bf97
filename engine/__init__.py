"""ripeness' engine: rule files, facts over time, the rules engine, analysis and verdicts."""
