"""Make ``accounts/plans/templates/`` findable by the template engine.

``accounts.plans`` is a package inside the ``accounts`` app, not an installed app, so the app
directories loader does not look into its ``templates/`` folder. Until the settings list the
folder in ``TEMPLATES[0]["DIRS"]``, this adds it to the Django engine's directories once, when
the plans URLs load (before any request renders a page). Idempotent.
"""

from __future__ import annotations

from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


def register_template_dir() -> None:
    from django.template import engines

    engine = engines["django"].engine
    if all(Path(d).resolve() != TEMPLATE_DIR for d in engine.dirs):
        engine.dirs = [*engine.dirs, str(TEMPLATE_DIR)]
