"""Four-eyes review requests: who may ask, return, withdraw and publish; a stale revision; the same
rule as the API's publish, with four-eyes on and off; events recorded; other agencies refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlmodel import select

from registry.errors import Conflict, Forbidden, Invalid, PreconditionFailed
from registry.models import Account, Algorithm, Event, ReviewState, Role
from registry.services.cards import drafts, reviews
from registry.services.cards.drafts import ERR_FOUR_EYES, FourEyesViolation
from registry.services.events import verify_chain
from tests.registry.factories import T0, card, make_account, make_agency, make_draft_algorithm

pytestmark = pytest.mark.db
T1 = T0 + timedelta(hours=1)
T2 = T0 + timedelta(hours=2)


@dataclass
class Team:
    author: Account
    reviewer: Account
    third: Account
    outsider: Account
    admin: Account
    algorithm: Algorithm


@pytest.fixture
def team(session) -> Team:  # type: ignore[no-untyped-def]
    agency = make_agency(session)
    author = make_account(session, role=Role.agency_editor, agency=agency)
    reviewer = make_account(session, role=Role.agency_editor, agency=agency)
    third = make_account(session, role=Role.agency_editor, agency=agency)
    outsider = make_account(session, role=Role.agency_editor, agency=make_agency(session))
    admin = make_account(session, role=Role.admin)
    algorithm = make_draft_algorithm(session, agency=agency, editor=author)
    return Team(author, reviewer, third, outsider, admin, algorithm)


def _ask(session, team: Team, **kw):  # type: ignore[no-untyped-def]
    return reviews.ask_for_review(
        session, actor=kw.pop("actor", team.author), algorithm=team.algorithm, now=T1, **kw
    )


def _actions(session) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.action for e in session.exec(select(Event).order_by(Event.id)).all()]  # type: ignore[arg-type]


def test_ask_records_the_current_draft_revision_and_an_event(session, team):
    request = _ask(session, team, note="  Please check the data sources.  ")
    assert request.state == ReviewState.open
    assert request.revision == drafts.current_revision(session, team.algorithm)
    assert request.note == "Please check the data sources."
    assert _actions(session)[-1] == "review.requested"
    assert verify_chain(session).ok


def test_only_an_editor_of_the_agency_may_ask(session, team):
    for actor in (team.outsider, team.admin):
        with pytest.raises(Forbidden):
            _ask(session, team, actor=actor)


def test_asking_needs_a_draft(session, team):
    drafts.publish_draft(
        session,
        actor=team.reviewer,
        algorithm=team.algorithm,
        change_summary="First.",
        four_eyes=True,
        revision=drafts.current_revision(session, team.algorithm),
        now=T1,
    )
    with pytest.raises(Conflict) as exc:
        _ask(session, team)
    assert exc.value.message == reviews.ERR_NO_DRAFT_TO_REVIEW


def test_asking_names_the_revision_the_author_saw(session, team):
    with pytest.raises(PreconditionFailed):
        _ask(session, team, revision="0" * 64)


def test_one_open_request_per_algorithm_and_a_newer_revision_supersedes(session, team):
    first = _ask(session, team)
    with pytest.raises(Conflict) as exc:
        _ask(session, team, actor=team.third)
    assert exc.value.message == reviews.ERR_ALREADY_ASKED.format(request_id=first.id)
    drafts.save_draft(
        session, actor=team.author, algorithm=team.algorithm, card=card(name="Again"), now=T2
    )
    second = _ask(session, team)
    session.refresh(first)
    assert first.state == ReviewState.superseded
    assert second.state == ReviewState.open
    assert [
        s.request.id for s in reviews.open_reviews_for_agency(session, team.algorithm.agency_id)
    ] == [second.id]


def test_another_editor_returns_with_a_comment_the_author_sees(session, team):
    request = _ask(session, team)
    returned = reviews.return_with_comment(
        session,
        actor=team.reviewer,
        algorithm=team.algorithm,
        request=request,
        comment=" Name the retention period. ",
        four_eyes=True,
        now=T2,
    )
    assert returned.state == ReviewState.returned
    assert returned.comment == "Name the retention period."
    assert returned.decided_by_id == team.reviewer.id and returned.decided_at == T2
    state = reviews.review_state_of(session, team.algorithm)
    assert state is not None and state.request.comment == "Name the retention period."
    assert state.decided_by is not None and state.decided_by.id == team.reviewer.id
    assert _actions(session)[-1] == "review.returned"


def test_returning_needs_a_comment(session, team):
    request = _ask(session, team)
    with pytest.raises(Invalid) as exc:
        reviews.return_with_comment(
            session,
            actor=team.reviewer,
            algorithm=team.algorithm,
            request=request,
            comment="   ",
            four_eyes=True,
            now=T2,
        )
    assert exc.value.details[0]["loc"] == ["body", "comment"]
    session.refresh(request)
    assert request.state == ReviewState.open


@pytest.mark.parametrize("four_eyes", [True, False])
def test_the_author_cannot_return_their_own_request(session, team, four_eyes):
    request = _ask(session, team)
    with pytest.raises(Forbidden) as exc:
        reviews.return_with_comment(
            session,
            actor=team.author,
            algorithm=team.algorithm,
            request=request,
            comment="Looks fine to me",
            four_eyes=four_eyes,
            now=T2,
        )
    assert exc.value.message == reviews.ERR_OWN_REQUEST


def test_other_agency_and_admin_cannot_review(session, team):
    request = _ask(session, team)
    for actor in (team.outsider, team.admin):
        with pytest.raises(Forbidden):
            reviews.return_with_comment(
                session,
                actor=actor,
                algorithm=team.algorithm,
                request=request,
                comment="No",
                four_eyes=True,
                now=T2,
            )
        with pytest.raises(Forbidden):
            reviews.publish_reviewed(
                session,
                actor=actor,
                algorithm=team.algorithm,
                request=request,
                change_summary="First.",
                four_eyes=True,
                now=T2,
            )


def test_only_the_author_withdraws(session, team):
    request = _ask(session, team)
    with pytest.raises(Forbidden):
        reviews.withdraw_request(
            session, actor=team.reviewer, algorithm=team.algorithm, request=request, now=T2
        )
    done = reviews.withdraw_request(
        session, actor=team.author, algorithm=team.algorithm, request=request, now=T2
    )
    assert done.state == ReviewState.withdrawn
    assert _actions(session)[-1] == "review.withdrawn"
    with pytest.raises(Conflict):
        reviews.withdraw_request(
            session, actor=team.author, algorithm=team.algorithm, request=request, now=T2
        )


def test_reviewer_publishes_the_revision_asked_about(session, team):
    request = _ask(session, team)
    version = reviews.publish_reviewed(
        session,
        actor=team.reviewer,
        algorithm=team.algorithm,
        request=request,
        change_summary="First version.",
        four_eyes=True,
        now=T2,
    )
    assert version.number == 1 and version.publisher_id == team.reviewer.id
    assert version.author_id == team.author.id
    session.refresh(request)
    assert request.state == ReviewState.published
    assert request.published_version == 1 and request.decided_by_id == team.reviewer.id
    assert _actions(session)[-2:] == ["version.published", "review.published"]
    assert reviews.open_reviews_for_agency(session, team.algorithm.agency_id) == []
    with pytest.raises(Conflict):
        reviews.publish_reviewed(
            session,
            actor=team.reviewer,
            algorithm=team.algorithm,
            request=request,
            change_summary="Again.",
            four_eyes=True,
            now=T2,
        )


def test_a_draft_saved_after_asking_is_refused_and_shows_as_changed(session, team):
    request = _ask(session, team)
    drafts.save_draft(
        session, actor=team.author, algorithm=team.algorithm, card=card(name="Later"), now=T2
    )
    [queued] = reviews.open_reviews_for_agency(session, team.algorithm.agency_id)
    assert queued.draft_changed
    with pytest.raises(PreconditionFailed) as exc:
        reviews.publish_reviewed(
            session,
            actor=team.reviewer,
            algorithm=team.algorithm,
            request=request,
            change_summary="First.",
            four_eyes=True,
            now=T2,
        )
    assert exc.value.message == reviews.ERR_CHANGED_SINCE_ASKED
    session.refresh(team.algorithm)
    assert team.algorithm.current_version is None


def test_four_eyes_on_the_author_may_not_publish_even_under_a_request(session, team):
    request = _ask(session, team)
    with pytest.raises(FourEyesViolation) as exc:
        reviews.publish_reviewed(
            session,
            actor=team.author,
            algorithm=team.algorithm,
            request=request,
            change_summary="First.",
            four_eyes=True,
            now=T2,
        )
    assert exc.value.message == ERR_FOUR_EYES


def test_four_eyes_off_the_author_may_publish_their_own(session, team):
    request = _ask(session, team)
    version = reviews.publish_reviewed(
        session,
        actor=team.author,
        algorithm=team.algorithm,
        request=request,
        change_summary="First.",
        four_eyes=False,
        now=T2,
    )
    assert version.publisher_id == team.author.id


def test_the_reviewer_list_follows_the_four_eyes_rule(session, team):
    draft = drafts.find_draft(session, team.algorithm)
    on = reviews.reviewers_for(session, algorithm=team.algorithm, draft=draft, four_eyes=True)
    off = reviews.reviewers_for(session, algorithm=team.algorithm, draft=draft, four_eyes=False)
    assert {a.id for a in on} == {team.reviewer.id, team.third.id}
    assert {a.id for a in off} == {team.author.id, team.reviewer.id, team.third.id}


def test_publishing_over_the_api_path_closes_the_open_request(session, team):
    request = _ask(session, team)
    drafts.publish_draft(
        session,
        actor=team.reviewer,
        algorithm=team.algorithm,
        change_summary="First.",
        four_eyes=True,
        revision=request.revision,
        now=T2,
    )
    session.refresh(request)
    assert request.state == ReviewState.published


def test_publish_needs_a_change_summary(session, team):
    request = _ask(session, team)
    with pytest.raises(Invalid) as exc:
        reviews.publish_reviewed(
            session,
            actor=team.reviewer,
            algorithm=team.algorithm,
            request=request,
            change_summary=" ",
            four_eyes=True,
            now=T2,
        )
    assert exc.value.details[0]["loc"] == ["body", "change_summary"]
