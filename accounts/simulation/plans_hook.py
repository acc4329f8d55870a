"""Success plans for simulated accounts, through the plans services.

``create_success_plans`` is called by the simulator once per written batch, inside the batch's
tenant transaction (after its events, so usage KPIs can be measured), with the generated
accounts (``SimAccount``: latent truth, contacts, decisions); it returns how many plans it
created. Each builder in ``PLAN_BUILDERS`` is called with the same keyword arguments.

The default builder starts a plan from the organization's starter template
(``accounts.plans.defaults``) for every human-touch customer still under contract: its KPIs are
computed from usage, so their progress follows the account's behaviour by construction, and its
milestones are completed, in progress or blocked according to the account's latent satisfaction
at their due dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from accounts.models import Account

PLAN_START_DAYS_BEFORE_END = 63  # plans measure recent usage (the demo keeps 70 days of events)


def _default_plans(*, organization, batch, window, csm_users) -> int:
    try:
        from accounts.plans import services as plan_services
        from accounts.plans.defaults import ensure_default_template
        from accounts.plans.models import MilestoneStatus
    except ImportError:  # a build without success plans
        return 0
    chosen = [sim for sim in batch if sim.human and sim.churn_day is None]
    if not chosen:
        return 0
    template = ensure_default_template(organization=organization)
    accounts = {
        a.external_id: a for a in Account.objects.filter(organization=organization, external_id__in=[s.external_id for s in chosen]).select_related("owner")
    }
    latest_start = window.days - PLAN_START_DAYS_BEFORE_END
    created = 0
    for sim in chosen:
        start_day = max(sim.start_day, latest_start)
        if start_day >= window.days - 7:
            continue
        account = accounts[sim.external_id]
        actor = account.owner
        plan = plan_services.plan_create_from_template(
            organization=organization, account=account, template=template, actor=actor, start_date=window.date(start_day)
        )
        satisfaction = sim.latent["satisfaction_end"]
        spread = sim.index  # deterministic variety between accounts, no extra random draws
        for n, milestone in enumerate(plan.milestones.order_by("due_date", "id")):
            due = (milestone.due_date - window.start).days
            if due >= window.days:
                break
            # Satisfied customers do their part on time; a struggling one stalls.
            hurdle = 0.35 + 0.08 * n + 0.05 * ((spread * 7 + n * 13) % 5)
            if satisfaction >= hurdle:
                completed = min(window.date(max(start_day, due - 3 + (spread + n) % 9)), window.end - dt.timedelta(days=1))
                plan_services.milestone_set_status(
                    organization=organization, milestone=milestone, status=MilestoneStatus.DONE, actor=actor, completed_on=completed
                )
            elif satisfaction >= hurdle - 0.15:
                plan_services.milestone_set_status(organization=organization, milestone=milestone, status=MilestoneStatus.IN_PROGRESS, actor=actor)
            else:
                plan_services.milestone_set_status(organization=organization, milestone=milestone, status=MilestoneStatus.BLOCKED, actor=actor)
        created += 1
    return created


PLAN_BUILDERS: list[Callable[..., int]] = [_default_plans]


def create_success_plans(*, organization, batch, window, csm_users) -> int:
    return sum(builder(organization=organization, batch=batch, window=window, csm_users=csm_users) for builder in PLAN_BUILDERS)
