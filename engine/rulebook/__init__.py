"""Scenario rule files: the format (``models``), reading a folder (``loader``), and the
validated ``Rulebook`` the engine runs on."""

from engine.rulebook.loader import check_folder, load_rulebook, outside_link
from engine.rulebook.rulebook import Rulebook, comparisons

__all__ = ["Rulebook", "check_folder", "comparisons", "load_rulebook", "outside_link"]
