"""Demo step: a few questions and concerns from the public about the first published sample, so a
fresh install shows the feature: a question answered, a concern (with a phone number, masked)
published and waiting past the response target, a suggestion declined, and one item awaiting
moderation in the console.

Unlike the other steps this one goes through the participation services (masking, moderation, the
ledger), which commit as they go; it runs last, after every other step has staged its rows, and
adds nothing when the algorithm already has items, so running the demo again changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, select

from registry.models import Account, Agency, Algorithm, AlgorithmState
from registry.models.participation import ParticipationItem
from registry.services.demo.context import DemoContext, editor_email
from registry.services.participation import moderation, submission

DEMO_CONTACT = "reader@demo.example"

#: (kind, text, display name, days ago received, what the agency did, days ago, answer or reason)
DEMO_ITEMS: tuple[tuple[str, str, str | None, int, str, int, str | None], ...] = (
    (
        "question",
        "How often is this model retrained, and who checks it before it is used again?",
        "Chen Jing",
        40,
        "publish",
        31,
        "Every six months. The new model is compared with the old one on the same fairness "
        "tests by our data protection officer before it replaces it; the results are published "
        "on this page as a new audit.",
    ),
    (
        "concern",
        "My housing benefit was stopped after the system flagged my file. I called 13812345678 "
        "twice and nobody could tell me why. How can I get a person to look at my case?",
        None,
        45,
        "publish",
        44,
        None,  # published, answer still awaited: past the target on the page
    ),
    (
        "suggestion",
        "Please add the bus timetable for line 12 to this site.",
        None,
        12,
        "decline",
        10,
        "off_topic",
    ),
    (
        "record_error",
        "The record says the model uses no address data, but the letter I received mentions my "
        "district.",
        "Anonymous reader",
        2,
        "wait",
        0,
        None,  # awaiting moderation: only the agency sees it, in the console
    ),
)


def _target(session: Session) -> tuple[Algorithm, Account] | None:
    algorithms = session.exec(
        select(Algorithm)
        .where(col(Algorithm.state) == AlgorithmState.published)
        .order_by(col(Algorithm.id))
    )
    for algorithm in algorithms:
        agency = session.get(Agency, algorithm.agency_id)
        if agency is None:
            continue
        editor = session.exec(
            select(Account).where(Account.email == editor_email(agency.slug))
        ).first()
        if editor is not None:
            return algorithm, editor
    return None


def load_demo_participation(session: Session, ctx: DemoContext) -> None:
    """Add the demo items to the first published demo algorithm (once)."""
    session.flush()
    found = _target(session)
    if found is None:
        return
    algorithm, editor = found
    if session.exec(
        select(ParticipationItem.id).where(ParticipationItem.algorithm_id == algorithm.id)
    ).first():
        return
    for kind, text, name, received_days, action, decided_days, value in DEMO_ITEMS:
        done = submission.submit_item(
            session,
            public_id=algorithm.public_id,
            kind=kind,
            text=text,
            contact_email=DEMO_CONTACT,
            display_name=name,
            duplicate_hours=0,
            now=ctx.now - timedelta(days=received_days, hours=3),
        )
        at = ctx.now - timedelta(days=decided_days)
        item_id = done.item.public_id
        if action == "publish":
            moderation.publish_item(session, actor=editor, item_id=item_id, answer=value, now=at)
        elif action == "decline":
            assert value is not None
            moderation.decline_item(session, actor=editor, item_id=item_id, reason=value, now=at)
        ctx.result.counts["participation items"] += 1
