"""Questionnaire definitions: the built-in content, validation of edited copies, and scoring.

A definition is plain JSON::

    {"title", "intro",
     "dimensions": [{"key", "name", "description", "zone", "strength", "recommendation": {"title", "detail"}}],
     "groups": [{"key", "title", "intro", "questions": [{"key", "text", "dimension", "type", "reverse"}]}]}

Question types: ``likert`` (1 strongly disagree … 5 strongly agree, 0 = don't know) and
``barrier`` (optional free text, never scored).

Scoring (shown to respondents on the result page, in the same words):
- an answer scores (answer − 1) × 25, so 1 → 0 and 5 → 100; a reversed statement (one where
  agreeing is bad) scores (5 − answer) × 25; "don't know" is left out;
- a dimension's score is the mean of its answered statements (no answer → no score);
- the overall score is the mean of the dimension scores, each dimension weighing the same.
A dimension is **strong** at 70 or more and **weak** below 50.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

LIKERT_CHOICES = [
    (5, "Strongly agree"),
    (4, "Agree"),
    (3, "Neither agree nor disagree"),
    (2, "Disagree"),
    (1, "Strongly disagree"),
    (0, "Don't know"),
]
LIKERT_VALUES = {value for value, _ in LIKERT_CHOICES}
STRONG_AT = 70
WEAK_BELOW = 50
BARRIER_MAX_LENGTH = 2000

ZONES = ["belief", "commitment", "activation", "realization", "expansion", "recognition"]
LAYERS = ["trust", "intelligence"]
ZONE_NAMES = {
    "belief": "Belief",
    "commitment": "Commitment",
    "activation": "Activation",
    "realization": "Realization",
    "expansion": "Expansion",
    "recognition": "Recognition",
    "trust": "Trust",
    "intelligence": "Intelligence",
}
ZONE_HOLDING_AT = 70
ZONE_BROKEN_BELOW = 40

ADOPTION_DIMENSIONS = [
    "usage_frequency",
    "team_engagement",
    "process_integration",
    "stakeholder_alignment",
    "training_completion",
    "content_adoption",
    "internal_feedback",
    "unresolved_barriers",
]


def _dim(key, name, description, zone, strength, rec_title, rec_detail):
    return {
        "key": key,
        "name": name,
        "description": description,
        "zone": zone,
        "strength": strength,
        "recommendation": {"title": rec_title, "detail": rec_detail},
    }


def _q(key, text, dimension, reverse=False, type_="likert"):
    return {"key": key, "text": text, "dimension": dimension, "type": type_, "reverse": reverse}


ADOPTION_DEFAULT = {
    "title": "Adoption health check",
    "intro": "Four short steps about how your team uses the product; it takes about four minutes. "
    "You get your results straight away: where adoption is strong, where it is weak, and what to do next.",
    "dimensions": [
        _dim(
            "usage_frequency",
            "Usage frequency",
            "How regularly the intended users work in the product.",
            "activation",
            "People use the product regularly for the work it was bought for.",
            "Targeted training or onboarding support",
            "Book a 45-minute usage review with your customer-success manager: look at who is and is not using the product, "
            "pick the two or three workflows that matter most, and set up guided walkthroughs and reminders for the people who have dropped off.",
        ),
        _dim(
            "team_engagement",
            "Team engagement",
            "Whether every team that should use the product actually does.",
            "activation",
            "Usage is spread across the teams, not concentrated in a few enthusiasts.",
            "Team-by-team activation plan",
            "Name a local champion in each team that is behind and run a 30-minute kickoff for that team built on its own use cases. "
            "Ask your customer-success manager for usage broken down by team to see where to start.",
        ),
        _dim(
            "process_integration",
            "Process integration",
            "How far the product is built into everyday processes instead of sitting beside them.",
            "realization",
            "The product is part of how work gets done, not an extra step.",
            "Workflow integration workshop",
            "Take one recurring process, map it end to end, and decide where the product replaces the spreadsheet or old tool running in parallel. "
            "Set a date to retire the old path so nobody has to maintain both.",
        ),
        _dim(
            "stakeholder_alignment",
            "Stakeholder alignment",
            "Whether leadership and sponsors agree on what the product should achieve.",
            "commitment",
            "Leadership knows what the product should deliver and backs it.",
            "Executive alignment session",
            "Hold a 30-minute session between your executive sponsor and the vendor's leadership: restate the goals, agree on the two or three "
            "outcomes that define success this year, and decide how and when progress is reported.",
        ),
        _dim(
            "training_completion",
            "Training completion",
            "Whether users have been trained for their role and feel confident.",
            "activation",
            "Users are trained and confident in their everyday tasks.",
            "Role-based training path",
            "Enrol users in the learning path for their role, starting with people who log in but stay on basic features, "
            "and schedule a live question-and-answer session two weeks later to close the remaining gaps.",
        ),
        _dim(
            "content_adoption",
            "Content adoption",
            "Use of the guides, templates, best practices and new features that come with the product.",
            "activation",
            "Your team makes good use of templates, guides and new features.",
            "Curated content and feature tour",
            "Ask for a short list of templates and best-practice guides for your use case, plus a 20-minute tour of recent features "
            "that fit your goals, so the team gets value from what is already paid for.",
        ),
        _dim(
            "internal_feedback",
            "Internal feedback",
            "What colleagues say about the product and whether they have a place to say it.",
            "trust",
            "Colleagues speak well of the product and know where to raise ideas.",
            "Internal feedback loop",
            "Open a channel or a two-question monthly pulse for users' ideas and frustrations, and share the top themes with your "
            "customer-success manager each quarter so they reach the product team.",
        ),
        _dim(
            "unresolved_barriers",
            "Unresolved barriers",
            "Obstacles that currently stop you from getting full value (a high score means few barriers).",
            "trust",
            "Nothing significant is blocking you, and problems get resolved.",
            "Barrier working session",
            "Bring the obstacles you listed to a working session with your customer-success manager and, where needed, support or "
            "solutions engineering. Leave with an owner and a date for each one.",
        ),
    ],
    "groups": [
        {
            "key": "usage",
            "title": "How you use it",
            "intro": "Think of the people who are supposed to use the product.",
            "questions": [
                _q("uf_weekly", "The people who should use the product use it at least once a week.", "usage_frequency"),
                _q("uf_core", "We regularly use the core features we bought the product for.", "usage_frequency"),
                _q("uf_dropoff", "Usage has dropped off since the first weeks after launch.", "usage_frequency", reverse=True),
                _q("te_teams", "Every team that was meant to use the product is actively using it.", "team_engagement"),
                _q("te_newcomers", "New colleagues get access and start using the product without anyone chasing them.", "team_engagement"),
            ],
        },
        {
            "key": "fit",
            "title": "How it fits your work",
            "intro": "Think of your everyday processes and your leadership.",
            "questions": [
                _q("pi_workflow", "The product is part of our regular workflow, not an extra step on the side.", "process_integration"),
                _q("pi_parallel", "We still run spreadsheets or older tools in parallel for the same work.", "process_integration", reverse=True),
                _q("sa_goals", "Our leadership knows what we expect the product to achieve.", "stakeholder_alignment"),
                _q("sa_sponsor", "A senior sponsor backs the rollout when priorities compete.", "stakeholder_alignment"),
            ],
        },
        {
            "key": "skills",
            "title": "Skills and content",
            "intro": "Think of training, guides and new features.",
            "questions": [
                _q("tc_trained", "Most users have completed the training for their role.", "training_completion"),
                _q("tc_confident", "Users feel confident doing their everyday tasks without asking for help.", "training_completion"),
                _q("ca_resources", "We use the templates, guides and best practices that come with the product.", "content_adoption"),
                _q("ca_features", "We hear about new features and know which ones matter to us.", "content_adoption"),
            ],
        },
        {
            "key": "feedback",
            "title": "Feedback and obstacles",
            "intro": "Last step: what people say, and what stands in the way.",
            "questions": [
                _q("if_positive", "When colleagues talk about the product, it is mostly positive.", "internal_feedback"),
                _q("if_channel", "Users have a clear place to raise ideas and problems about the product.", "internal_feedback"),
                _q("ub_blocked", "Something is blocking us from getting full value from the product right now.", "unresolved_barriers", reverse=True),
                _q("ub_resolved", "Problems we raise get resolved in a reasonable time.", "unresolved_barriers"),
                _q("ub_text", "What is the biggest obstacle to getting more value from the product? (optional)", "unresolved_barriers", type_="barrier"),
            ],
        },
    ],
}

RETENTION_DEFAULT = {
    "title": "Retention-architecture assessment",
    "intro": "Sixteen statements about the six stages a successful partnership goes through, and the trust and insight that hold them together. "
    "It takes about five minutes and shows at once which stage needs attention first.",
    "dimensions": [
        _dim(
            "belief",
            "Belief",
            "Did you buy for the right reasons, and do they still hold?",
            "belief",
            "The reasons you bought the product still hold and it meets expectations.",
            "Revisit the business case",
            "Restate the problem you bought the product for in a 30-minute session, check it is still a priority, and update the goals "
            "and success measures if the business has moved on.",
        ),
        _dim(
            "commitment",
            "Commitment",
            "Is your organization behind the decision, beyond one person?",
            "commitment",
            "A senior sponsor and several roles stand behind the product.",
            "Executive alignment session",
            "Bring your executive sponsor and the vendor's leadership together to confirm the goals and name a champion in each involved team, "
            "so the relationship does not hang on one person.",
        ),
        _dim(
            "activation",
            "Activation",
            "Did onboarding land and produce a first result?",
            "activation",
            "Onboarding is complete and the first results came quickly.",
            "Onboarding completion plan",
            "List what is left of onboarding (access, integrations, trained users), give each item an owner and a date within 30 days, "
            "and agree on the first result you want to see.",
        ),
        _dim(
            "realization",
            "Realization",
            "Is it provably working against the goals you set?",
            "realization",
            "You can show measurable results against your goals.",
            "Value review with baselines and targets",
            "Agree on two or three measurable outcomes with a baseline and a target, and review progress monthly with your customer-success "
            "manager until the first result is documented.",
        ),
        _dim(
            "expansion",
            "Expansion",
            "Is there a logical next step once the current goals are met?",
            "expansion",
            "You know the logical next step once current goals are met.",
            "Next-step planning (once results hold)",
            "When the current goals are on track, map the adjacent teams and use cases together and decide whether and when to extend. "
            "This is planning, not a commitment.",
        ),
        _dim(
            "recognition",
            "Recognition",
            "Are the wins seen by the people who matter?",
            "recognition",
            "Your results are visible to leadership and you would recommend the product.",
            "Share the win",
            "Prepare a one-page summary of the results for your leadership (your customer-success manager can draft it from the data) and "
            "present it at the next business review.",
        ),
        _dim(
            "trust",
            "Trust",
            "Is the relationship with the vendor healthy?",
            "trust",
            "You trust the vendor and get help when you need it.",
            "Candid relationship check-in",
            "Have an open conversation about what is not working (support, communication, responsiveness), agree on a fix for each point "
            "and set a follow-up date.",
        ),
        _dim(
            "intelligence",
            "Intelligence",
            "Can both sides see what is happening in time?",
            "intelligence",
            "Both sides see usage and results early enough to act.",
            "Shared success dashboard",
            "Set up a shared view of usage and outcomes and a monthly 15-minute review, so a slip in adoption is caught within weeks, not at renewal.",
        ),
    ],
    "groups": [
        {
            "key": "decision",
            "title": "Why you bought it, and who backs it",
            "intro": "Think back to the decision to buy.",
            "questions": [
                _q("be_problem", "We bought the product to solve a problem that still matters to us today.", "belief"),
                _q("be_expectations", "The product has lived up to what we expected when we bought it.", "belief"),
                _q("co_sponsor", "A senior leader actively sponsors the use of the product.", "commitment"),
                _q("co_multi", "More than one team or role is involved in the relationship with the vendor.", "commitment"),
            ],
        },
        {
            "key": "results",
            "title": "Getting started and getting results",
            "intro": "Think of onboarding and what it has delivered since.",
            "questions": [
                _q("ac_onboarded", "Onboarding is complete and everyone who needs access has it.", "activation"),
                _q("ac_first_value", "We reached our first meaningful result quickly.", "activation"),
                _q("re_measured", "We can point to measurable results the product has delivered.", "realization"),
                _q("re_tracked", "We track progress against the goals we set at the start.", "realization"),
            ],
        },
        {
            "key": "growth",
            "title": "Growing and being seen",
            "intro": "Think of what comes next, and who knows about your results.",
            "questions": [
                _q("ex_next", "We know what our next step with the product would be once current goals are met.", "expansion"),
                _q("ex_others", "Other teams or use cases in our company could benefit from the product.", "expansion"),
                _q("rc_leadership", "The results we achieved have been shared with our leadership.", "recognition"),
                _q("rc_recommend", "We would recommend the product to a peer at another company.", "recognition"),
            ],
        },
        {
            "key": "partnership",
            "title": "Working together",
            "intro": "Last step: the relationship and what both sides can see.",
            "questions": [
                _q("tr_interest", "We trust the vendor to act in our interest.", "trust"),
                _q("tr_support", "Support and our customer-success contact respond well when we need them.", "trust"),
                _q("in_review", "We regularly review usage and results data together with the vendor.", "intelligence"),
                _q("in_early", "We would notice quickly if adoption started to slip.", "intelligence"),
                _q("tr_text", "What would make this partnership more valuable to you? (optional)", "trust", type_="barrier"),
            ],
        },
    ],
}

DEFAULTS = {"adoption": ADOPTION_DEFAULT, "retention": RETENTION_DEFAULT}


def default_definition(kind: str) -> dict:
    return copy.deepcopy(DEFAULTS[kind])


# --- Validation ------------------------------------------------------------------------------


def validate_definition(definition: dict) -> list[str]:
    """Problems that make a definition unusable, as sentences for the editor; empty when fine."""
    errors: list[str] = []
    dimensions = definition.get("dimensions") or []
    groups = definition.get("groups") or []
    if not str(definition.get("title", "")).strip():
        errors.append("Give the questionnaire a title.")
    dim_keys = [d.get("key") for d in dimensions]
    if not dimensions:
        errors.append("Add at least one dimension.")
    if len(set(dim_keys)) != len(dim_keys):
        errors.append("Two dimensions have the same key.")
    for d in dimensions:
        if not str(d.get("name", "")).strip():
            errors.append(f"Dimension “{d.get('key')}” needs a name.")
        if d.get("zone") and d["zone"] not in ZONE_NAMES:
            errors.append(f"Dimension “{d.get('name')}” maps to an unknown zone.")
    question_keys: list[str] = []
    scored_dims: set[str] = set()
    for g in groups:
        questions = g.get("questions") or []
        if not str(g.get("title", "")).strip():
            errors.append("Every step needs a title.")
        if not questions:
            errors.append(f"Step “{g.get('title')}” has no questions.")
        for q in questions:
            question_keys.append(q.get("key"))
            if not str(q.get("text", "")).strip():
                errors.append(f"Question “{q.get('key')}” needs its text.")
            if q.get("type") not in ("likert", "barrier"):
                errors.append(f"Question “{q.get('text')}” has an unknown type.")
            if q.get("dimension") not in dim_keys:
                errors.append(f"Question “{q.get('text')}” is mapped to a dimension that does not exist.")
            elif q.get("type") == "likert":
                scored_dims.add(q["dimension"])
    if not groups:
        errors.append("Add at least one step with questions.")
    if len(set(question_keys)) != len(question_keys):
        errors.append("Two questions have the same key.")
    for d in dimensions:
        if d.get("key") not in scored_dims:
            errors.append(f"Dimension “{d.get('name')}” has no rated statement, so it could never be scored.")
    return errors


# --- Scoring ---------------------------------------------------------------------------------


def item_score(value: int, *, reverse: bool) -> float | None:
    """0–100 for one answer; None for "don't know"."""
    if value == 0:
        return None
    return float((5 - value) * 25 if reverse else (value - 1) * 25)


def score_answers(definition: dict, answers: dict[str, int]) -> tuple[dict[str, float], float | None]:
    """(dimension key → 0–100, overall 0–100) for one respondent. See the module docstring."""
    per_dimension: dict[str, list[float]] = {}
    for group in definition["groups"]:
        for question in group["questions"]:
            if question["type"] != "likert" or question["key"] not in answers:
                continue
            score = item_score(int(answers[question["key"]]), reverse=bool(question.get("reverse")))
            if score is not None:
                per_dimension.setdefault(question["dimension"], []).append(score)
    order = [d["key"] for d in definition["dimensions"]]
    dimension_scores = {key: round(sum(per_dimension[key]) / len(per_dimension[key]), 2) for key in order if per_dimension.get(key)}
    overall = round(sum(dimension_scores.values()) / len(dimension_scores), 2) if dimension_scores else None
    return dimension_scores, overall


def zone_scores(definition: dict, dimension_scores: dict[str, float]) -> dict[str, float]:
    """Zone → 0–100: the mean of the scores of the dimensions mapped to that zone."""
    collected: dict[str, list[float]] = {}
    for dimension in definition["dimensions"]:
        zone = dimension.get("zone")
        if zone and dimension["key"] in dimension_scores:
            collected.setdefault(zone, []).append(dimension_scores[dimension["key"]])
    return {zone: round(sum(values) / len(values), 2) for zone, values in collected.items()}


def zone_status(score: float | None) -> str:
    if score is None:
        return "unknown"
    if score >= ZONE_HOLDING_AT:
        return "holding"
    if score >= ZONE_BROKEN_BELOW:
        return "at_risk"
    return "broken"


def first_zone_needing_attention(zones: dict[str, float]) -> str | None:
    """The earliest zone in the chain that is not holding (layers are reported beside it)."""
    for zone in ZONES:
        if zone in zones and zone_status(zones[zone]) != "holding":
            return zone
    return None


@dataclass(frozen=True)
class Finding:
    key: str
    name: str
    description: str
    score: float
    level: str  # strong | steady | weak
    strength: str
    recommendation: dict

    @property
    def badge(self) -> str:
        return {"strong": "green", "steady": "yellow", "weak": "red"}[self.level]


def findings(definition: dict, dimension_scores: dict[str, float]) -> list[Finding]:
    """One finding per scored dimension, in the definition's order."""
    result = []
    for d in definition["dimensions"]:
        if d["key"] not in dimension_scores:
            continue
        score = dimension_scores[d["key"]]
        level = "strong" if score >= STRONG_AT else "weak" if score < WEAK_BELOW else "steady"
        result.append(Finding(d["key"], d["name"], d.get("description", ""), score, level, d.get("strength", ""), d.get("recommendation") or {}))
    return result


def next_steps(found: list[Finding]) -> list[Finding]:
    """Weak dimensions, weakest first; when none is weak, the lowest one below strong (the next focus)."""
    weak = sorted((f for f in found if f.level == "weak"), key=lambda f: f.score)
    if weak:
        return weak
    steady = sorted((f for f in found if f.level == "steady"), key=lambda f: f.score)
    return steady[:1]


def dimension_names(definition: dict) -> dict[str, str]:
    return {d["key"]: d["name"] for d in definition["dimensions"]}


def steps(definition: dict) -> list[dict]:
    return definition["groups"]
