"""The human side of an account: contacts, touchpoints, survey answers, tickets and CSM notes.

Each is drawn from the latent state, so its traces agree with the usage: a souring account
files more tickets, answers NPS as a detractor, and its CSM writes worried notes.
"""

from __future__ import annotations

import numpy as np

from . import names
from .latent import Latent

SEGMENT_CONTACTS = {"smb": (2, 4), "mid_market": (4, 8), "enterprise": (7, 13)}


def make_contacts(rng: np.random.Generator, *, segment: str, domain: str, latent: Latent, start_day: int, days: int) -> list[dict]:
    """Contacts, as the account's first product users (index = user index).

    Order: champion (0), executive sponsor, budget holder, influencers, power users, users.
    A replacement champion, if any, is appended with ``joined_day``.
    """
    low, high = SEGMENT_CONTACTS[segment]
    n = int(rng.integers(low, high + 1))
    roles = ["champion"]
    if segment != "smb" or rng.random() < 0.5:
        roles.append("executive_sponsor")
    if segment != "smb":
        roles.append("budget_holder")
    while len(roles) < n:
        r = rng.random()
        roles.append("influencer" if r < 0.2 else "power_user" if r < 0.55 else "user")
    contacts = []
    used_names: set[str] = set()
    for i, role in enumerate(roles):
        name = names.person_name(rng)
        while name in used_names:
            name = names.person_name(rng)
        used_names.add(name)
        left = None
        if i == 0:
            left = latent.champion_left_day
        elif rng.random() < 0.08 * days / 365:
            left = int(rng.integers(max(0, start_day + 20), days)) if start_day + 20 < days else None
        contacts.append(
            {
                "user": i,
                "name": name,
                "email": names.email_for(name, domain),
                "title": names.title_for(role, rng),
                "department": names.department(rng),
                "role": role,
                "left_day": left,
                "joined_day": start_day,
            }
        )
    if latent.champion_replaced_day is not None:
        name = names.person_name(rng)
        contacts.append(
            {
                "user": len(contacts),
                "name": name,
                "email": names.email_for(name, domain),
                "title": names.title_for("champion", rng),
                "department": contacts[0]["department"],
                "role": "champion",
                "left_day": None,
                "joined_day": latent.champion_replaced_day,
            }
        )
    return contacts


def user_weights(contacts: list[dict], n_users: int, rng: np.random.Generator) -> np.ndarray:
    """How much each user tends to use the product (contacts first, by role)."""
    role_weight = {"champion": 3.0, "power_user": 2.5, "user": 1.0, "influencer": 0.6, "budget_holder": 0.15, "executive_sponsor": 0.1}
    w = rng.lognormal(0.0, 0.5, size=n_users)
    for c in contacts:
        w[c["user"]] *= role_weight[c["role"]]
    return w


def _present(contacts: list[dict], day: int, roles: tuple[str, ...]) -> list[int]:
    return [i for i, c in enumerate(contacts) if c["role"] in roles and c["joined_day"] <= day and (c["left_day"] is None or c["left_day"] > day)]


def schedule_touchpoints(rng: np.random.Generator, *, latent: Latent, contacts: list[dict], start_day: int, days: int, human: bool) -> list[dict]:
    """Kickoff and onboarding, then check-ins, QBRs and executive syncs by touch model."""
    out: list[dict] = []

    def add(day: int, kind: str, roles: tuple[str, ...], summary: str) -> None:
        present = _present(contacts, day, roles)
        if not present:
            present = _present(contacts, day, ("champion", "power_user", "user", "influencer"))[:1]
        executive = any(contacts[i]["role"] == "executive_sponsor" for i in present)
        out.append(
            {
                "day": day,
                "second": int(rng.integers(8 * 3600, 17 * 3600)),
                "kind": kind,
                "contacts": present,
                "executive_present": executive,
                "summary": summary,
            }
        )

    add(start_day, "kickoff", ("champion", "executive_sponsor", "budget_holder"), "Kickoff: goals, success criteria and the rollout plan agreed.")
    for k in range(int(rng.integers(2, 5)) if human else 1):
        d = start_day + 7 + 14 * k + int(rng.integers(0, 5))
        add(d, "onboarding_call", ("champion", "power_user"), "Onboarding session: workspace set-up, first workflows and reports.")
    if rng.random() < 0.6:
        add(start_day + int(rng.integers(20, 50)), "training", ("power_user", "user", "champion"), "Team training on automations and shared dashboards.")

    first = max(0, start_day + 45)
    for d in range(first, days, 30):
        sat = latent.satisfaction[min(d, days - 1)]
        if human and rng.random() < 0.45 + 0.35 * latent.champion_strength:
            add(d + int(rng.integers(0, 25)), "check_in", ("champion", "power_user"), _checkin_summary(sat, rng))
        elif not human and rng.random() < 0.06:
            add(d + int(rng.integers(0, 25)), "check_in", ("champion",), _checkin_summary(sat, rng))
    for d in range(max(0, start_day + 80), days, 91):
        if human and rng.random() < 0.45 + 0.45 * latent.exec_engagement:
            roles = ("champion", "executive_sponsor", "budget_holder") if rng.random() < latent.exec_engagement else ("champion", "power_user")
            add(d + int(rng.integers(0, 20)), "qbr", roles, "Quarterly business review: outcomes against goals, adoption, next quarter's priorities.")
    n_exec = rng.poisson((3.0 if human else 0.5) * latent.exec_engagement * days / 365)
    for d in sorted(int(x) for x in rng.integers(max(0, start_day + 30), max(start_day + 31, days), size=n_exec)):
        add(d, "executive_sync", ("executive_sponsor", "champion"), "Executive sync on strategic priorities and the value delivered so far.")
    return [t for t in out if t["day"] < days]


def _checkin_summary(sat: float, rng: np.random.Generator) -> str:
    good = [
        "Regular check-in. Team is happy with the automations; asked about rolling out to another department.",
        "Check-in: reporting now part of the weekly ops meeting. No blockers.",
        "Check-in: they shared time saved on month-end close; keen to try forecasting.",
    ]
    mixed = [
        "Check-in: adoption steady but a few users still export to spreadsheets.",
        "Check-in: asked for help with permissions set-up; follow-up scheduled.",
        "Check-in: usage OK, wants a refresher training for new hires.",
    ]
    bad = [
        "Check-in: frustration with sync failures; they are questioning the value.",
        "Check-in: team says the product is slow and hard to use; escalated two issues.",
        "Check-in: champion distracted by a reorganisation, usage slipping.",
    ]
    bucket = good if sat > 0.62 else mixed if sat > 0.4 else bad
    return bucket[int(rng.integers(len(bucket)))]


NPS_COMMENTS = {
    "promoter": ["Saves our team hours every week.", "The automations are fantastic.", "Great support and the reports are exactly what leadership needs.", ""],
    "passive": ["Does the job, some rough edges.", "Good, but the learning curve is steep.", "Reporting is fine; integrations could be better.", ""],
    "detractor": ["Too many sync errors.", "Hard to get the team to use it.", "Not sure we get value for the money.", "Support takes too long.", ""],
}


def schedule_nps(rng: np.random.Generator, *, latent: Latent, contacts: list[dict], start_day: int, days: int, interval: int) -> list[dict]:
    """NPS rounds every ``interval`` days; each present contact answers with some probability."""
    out = []
    phase = int(rng.integers(0, interval))
    for d in range(max(start_day + 45, 0) + phase, days, interval):
        for i in _present(contacts, d, ("champion", "executive_sponsor", "power_user", "user", "influencer", "budget_holder")):
            if rng.random() < 0.3:
                score = int(np.clip(np.round(11.5 * latent.satisfaction[d] - 0.5 + rng.normal(0.0, 1.4)), 0, 10))
                band = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
                comments = NPS_COMMENTS[band]
                out.append(
                    {
                        "day": d + int(rng.integers(0, 7)),
                        "second": int(rng.integers(0, 86400)),
                        "kind": "nps",
                        "score": score,
                        "contact": i,
                        "comment": comments[int(rng.integers(len(comments)))],
                    }
                )
    return [a for a in out if a["day"] < days]


TICKET_SUBJECTS = {
    "friction": [
        "Export to CSV fails for large reports",
        "Salesforce sync keeps failing",
        "Users get 'permission denied' on shared dashboards",
        "Session times out while editing workflows",
        "Error when saving an automation",
        "Scheduled report not delivered",
        "Dashboard loads very slowly",
    ],
    "normal": [
        "How do I add a new user?",
        "Question about invoice",
        "Request: SSO configuration help",
        "How to set up a recurring report",
        "Change billing contact",
        "API rate limit question",
        "Feature request: custom fields on projects",
    ],
}
BASE_TICKETS_PER_DAY = {"smb": 0.008, "mid_market": 0.02, "enterprise": 0.045}


def schedule_tickets(rng: np.random.Generator, *, latent: Latent, segment: str, start_day: int, end_day: int, days: int, scale: float) -> list[dict]:
    """Tickets follow friction; resolution is slower for low-satisfaction accounts (cause and effect both ways)."""
    t0 = max(0, start_day)
    if end_day <= t0:
        return []
    rate = BASE_TICKETS_PER_DAY[segment] * scale * (0.4 + 6.0 * latent.friction_share[t0:end_day])
    counts = rng.poisson(rate)
    out = []
    for offset in np.flatnonzero(counts):
        d = t0 + int(offset)
        for _ in range(int(counts[offset])):
            friction = rng.random() < min(0.9, 0.3 + 2.0 * latent.friction_share[d])
            subjects = TICKET_SUBJECTS["friction" if friction else "normal"]
            r = rng.random()
            priority = "urgent" if r < 0.04 + latent.incident_burst[d] else "high" if r < 0.2 else "normal" if r < 0.85 else "low"
            hours = float(rng.lognormal(3.0 + 1.2 * (1 - latent.satisfaction[d]), 0.8))
            opened = d * 86400 + int(rng.integers(7 * 3600, 19 * 3600))
            resolved = opened + int(hours * 3600)
            out.append(
                {
                    "opened": opened,
                    "resolved": resolved if resolved < days * 86400 else None,
                    "subject": subjects[int(rng.integers(len(subjects)))],
                    "priority": priority,
                    "escalated": bool(priority == "urgent" or (latent.satisfaction[d] < 0.3 and rng.random() < 0.3)),
                    "satisfaction": float(latent.satisfaction[d]),
                    "hours": hours,
                }
            )
    return out


NOTE_BODIES = {
    "positive": [
        "Strong adoption across the team; {champion} is presenting results to leadership next month.",
        "They report real time savings from automations. Good candidate for a case study.",
        "Healthy usage and great QBR. Expansion to another team discussed.",
        "Renewal conversation went well; value is clear to the budget holder.",
    ],
    "neutral": [
        "Usage steady. Reminded {champion} about the new forecasting feature.",
        "Sent the quarterly usage summary; no response yet.",
        "Onboarding for new hires planned; nothing urgent.",
        "Reviewed open tickets with the customer; all on track.",
    ],
    "negative": [
        "Usage is dropping and {champion} is hard to reach. Need an executive conversation.",
        "Customer frustrated with sync errors; they mentioned looking at alternatives.",
        "Budget under review at the customer; renewal at risk.",
        "Several users stopped logging in. Proposed a re-onboarding session.",
    ],
}


def schedule_notes(rng: np.random.Generator, *, latent: Latent, contacts: list[dict], start_day: int, end_day: int, human: bool, scale: float) -> list[dict]:
    """Periodic CSM notes whose sentiment tracks satisfaction (with noise), plus event notes."""
    out = []
    rate = (2.0 if human else 0.25) * scale / 30.0
    t0 = max(0, start_day)
    champion = contacts[0]["name"].split(" ")[0]
    for d in np.flatnonzero(rng.random(max(0, end_day - t0)) < rate) + t0:
        perceived = latent.satisfaction[d] + rng.normal(0.0, 0.1)
        sentiment = "positive" if perceived > 0.62 else "negative" if perceived < 0.38 else "neutral"
        bodies = NOTE_BODIES[sentiment]
        out.append(
            {
                "day": int(d),
                "second": int(rng.integers(8 * 3600, 18 * 3600)),
                "sentiment": sentiment,
                "body": bodies[int(rng.integers(len(bodies)))].format(champion=champion),
            }
        )
    if latent.champion_left_day is not None and latent.champion_left_day < end_day:
        d = latent.champion_left_day + int(rng.integers(1, 10))
        if d < end_day:
            out.append(
                {
                    "day": d,
                    "second": 36000,
                    "sentiment": "negative",
                    "body": f"{contacts[0]['name']} (our champion) has left the company. We need a new champion.",
                }
            )
    replacement = [c for c in contacts if c["role"] == "champion" and c["user"] != 0]
    if replacement and replacement[0]["joined_day"] < end_day:
        out.append(
            {
                "day": replacement[0]["joined_day"] + 3,
                "second": 36000,
                "sentiment": "positive",
                "body": f"Met {replacement[0]['name']}, who takes over as our main contact and champion.",
            }
        )
    return [n for n in out if n["day"] < end_day]
