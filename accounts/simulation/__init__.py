"""A causal simulator of a vendor's customer base: for the demo, benchmarks, tests and backtests.

``simulate(...)`` writes an organization's accounts and their histories; ``generator`` builds
them in memory (pure numpy, deterministic for a seed); ``ground_truth`` says what really
happened to each account.
"""

from .runner import SimulationError, SimulationSummary, latent_path, simulate

__all__ = ["SimulationError", "SimulationSummary", "latent_path", "simulate"]
