"""Loads every ``sweep_objects_<topic>.py`` module of the dashboards tests (tests/sweep.py imports
this module by name; each topic keeps its own registrations)."""

import importlib
import pkgutil
from pathlib import Path

for _module in pkgutil.iter_modules([str(Path(__file__).parent)]):
    if _module.name.startswith("sweep_objects_"):
        importlib.import_module(f"{__package__}.{_module.name}")
