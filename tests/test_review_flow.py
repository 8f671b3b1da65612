"""The review pad's rules as pure functions: exact, fast, no screen and no server."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from review import flow
from review.flow import FetchCard, PadState, Post

CARD = {"window": 1, "window_name": "综合受理一", "kind_label": "综合窗口(自然人)", "clerk": None,
        "supervision_phone": "12345", "rating_requested": None,
        "reasons": ["办事效率低", "服务态度差", "多次往返", "告知不清楚", "环境设施差", "其他"], "pad_timeout_s": 60}


def event(kind: str, number: str = "A001", window: int = 1, **extra) -> dict:
    return {"kind": "event", "type": kind, "seq": 1, "at": 0.0, "data": {"number": number, "window": window}, **extra}


def idle(**kw) -> PadState:
    state, _ = flow.on_card(PadState(window=1, **kw), CARD, 0.0)
    return state


def asking(number: str = "A001", now: float = 0.0, **kw) -> PadState:
    state, _ = flow.on_message(idle(**kw), event("ticket_completed", number), now)
    return state


def test_a_finished_service_or_a_request_of_this_window_opens_the_levels_with_nothing_chosen():
    for kind in ("ticket_completed", "rating_requested"):
        state, effects = flow.on_message(idle(), event(kind, "A007"), 100.0)
        assert (state.screen, state.number, state.level, state.reasons, effects) == ("levels", "A007", None, (), [])
        assert state.deadline == 160.0
    other, _ = flow.on_message(idle(), event("ticket_completed", "A007", window=2), 100.0)
    assert other.screen == "card"
    replayed, _ = flow.on_message(idle(), event("ticket_completed", replayed=True), 100.0)
    assert replayed.screen == "card"
    called, _ = flow.on_message(idle(), event("ticket_called"), 100.0)
    assert called.screen == "card"


def test_the_card_request_opens_the_levels_at_start_but_never_over_a_citizen_at_work():
    state, _ = flow.on_card(PadState(window=1), {**CARD, "rating_requested": "A003"}, 5.0)
    assert (state.screen, state.number, state.online) == ("levels", "A003", True)
    reasons, _ = flow.tap_level(asking("A001"), 2, 1.0)
    again, _ = flow.on_card(reasons, {**CARD, "rating_requested": "A009"}, 2.0)
    assert (again.screen, again.number) == ("reasons", "A001")
    newer, _ = flow.on_message(reasons, event("ticket_completed", "A009"), 2.0)
    assert (newer.screen, newer.number) == ("reasons", "A001")
    untouched, _ = flow.on_message(asking("A001"), event("ticket_completed", "A002"), 2.0)
    assert (untouched.screen, untouched.number) == ("levels", "A002")


def test_a_good_level_is_sent_once_and_a_second_tap_does_nothing():
    state, effects = flow.tap_level(asking(), 4, 3.0)
    assert state.screen == "sending" and effects == [Post("A001", 4, (), "pad")]
    for level in (1, 2, 3, 4, 5):
        again, more = flow.tap_level(state, level, 3.5)
        assert again == state and more == []
    thanks, _ = flow.on_posted(state, flow.OK, 4.0)
    assert thanks.screen == "thanks"
    assert flow.tap_level(thanks, 5, 4.5) == (thanks, [])
    # the same service announced again (request after completion) does not reopen the question
    replay, _ = flow.on_message(thanks, event("rating_requested"), 5.0)
    assert replay.screen == "thanks"
    card, _ = flow.tick(thanks, 4.0 + flow.THANKS_S)
    assert card.screen == "card"
    assert flow.on_message(card, event("rating_requested"), 10.0)[0].screen == "card"


def test_bad_levels_ask_reasons_from_the_card_multi_select_then_send_them_in_the_card_order():
    state, effects = flow.tap_level(asking(), 1, 1.0, channel="evaluator")
    assert state.screen == "reasons" and effects == [] and state.level == 1
    for reason in ("多次往返", "服务态度差", "不在列表里", "多次往返", "其他"):
        state = flow.toggle_reason(state, reason, 2.0)
    assert state.reasons == ("服务态度差", "其他")
    state, effects = flow.submit_reasons(state, 3.0)
    assert effects == [Post("A001", 1, ("服务态度差", "其他"), "evaluator")]


def test_back_from_reasons_forgets_the_level_and_reasons():
    state, _ = flow.tap_level(asking(), 2, 1.0)
    state = flow.toggle_reason(state, "其他", 1.5)
    state = flow.back_to_levels(state, 2.0)
    assert (state.screen, state.level, state.reasons) == ("levels", None, ())


def test_timeout_on_the_levels_sends_nothing_and_leaves_the_service_unrated():
    state = asking(now=0.0)
    assert flow.tick(state, 59.9) == (state, [])
    card, effects = flow.tick(state, 60.0)
    assert card.screen == "card" and effects == [] and card.number is None
    # and the same service may be asked again later (it is still 未评)
    again, _ = flow.on_message(card, event("rating_requested"), 70.0)
    assert again.screen == "levels"


def test_a_question_that_timed_out_does_not_come_back_with_a_refetched_card_only_with_a_new_request():
    state, _ = flow.on_message(idle(), event("rating_requested", "A004"), 0.0)
    card, _ = flow.tick(state, 60.0)
    stale = {**CARD, "rating_requested": "A004"}  # the server keeps the request until it is answered
    refetched, _ = flow.on_card(card, stale, 70.0)
    assert refetched.screen == "card"
    asked_again, _ = flow.on_message(refetched, event("rating_requested", "A004"), 80.0)
    assert asked_again.screen == "levels"


def test_injected_timeout_wins_over_the_card_and_acting_pushes_it_back():
    state = asking(now=0.0, timeout_s=5.0)
    assert state.deadline == 5.0
    state = flow.touch(state, 4.0)
    assert flow.tick(state, 8.0)[0].screen == "levels"
    assert flow.tick(state, 9.0)[0].screen == "card"


def test_a_bad_level_whose_reasons_were_left_is_still_sent():
    state, _ = flow.tap_level(asking(), 2, 0.0)
    state = flow.toggle_reason(state, "办事效率低", 10.0)
    state, effects = flow.tick(state, 70.0)
    assert state.screen == "sending" and effects == [Post("A001", 2, ("办事效率低",), "pad")]


def test_409_is_told_calmly_and_other_failures_say_not_recorded_without_a_retry():
    sending, _ = flow.tap_level(asking(), 5, 0.0)
    conflict, effects = flow.on_posted(sending, flow.CONFLICT, 1.0)
    assert (conflict.screen, conflict.notice, effects) == ("notice", "already_rated", [])
    for outcome in (flow.AWAY, flow.REFUSED):
        failed, effects = flow.on_posted(sending, outcome, 1.0)
        assert (failed.screen, failed.notice, effects) == ("notice", "not_recorded", [])
        assert failed.online is (outcome != flow.AWAY)
        card, effects = flow.tick(failed, 1.0 + flow.NOTICE_S)
        assert card.screen == "card" and effects == []
        # nothing was kept: the clerk may ask again and the pad asks afresh
        assert flow.on_message(card, event("rating_requested"), 20.0)[0].screen == "levels"


def test_rated_elsewhere_meanwhile_closes_the_question():
    state, _ = flow.on_message(asking(), event("rating_given"), 3.0)
    assert (state.screen, state.notice) == ("notice", "already_rated")
    assert flow.tap_level(state, 5, 3.1) == (state, [])


def test_stream_connect_and_window_changes_refetch_the_card_and_a_drop_marks_offline():
    state, effects = flow.on_message(PadState(window=1), {"kind": "snapshot", "seq": 3}, 0.0)
    assert state.online and effects == [FetchCard()]
    for kind in ("window_opened", "window_closed"):
        assert flow.on_message(state, {"kind": "event", "type": kind, "data": {"window": 1}}, 0.0)[1] == [FetchCard()]
        assert flow.on_message(state, {"kind": "event", "type": kind, "data": {"window": 4}}, 0.0)[1] == []
    offline = flow.on_disconnected(asking())
    assert not offline.online and offline.screen == "levels"  # the citizen may still answer, and will be told


def test_sent_numbers_are_forgotten_before_the_next_day_reuses_them():
    sending, _ = flow.tap_level(asking("A001", now=0.0), 5, 0.0)
    thanks, _ = flow.on_posted(sending, flow.OK, 1.0)
    card, _ = flow.tick(thanks, 10.0)
    assert flow.on_message(card, event("ticket_completed", "A001"), 3600.0)[0].screen == "card"
    next_day, _ = flow.on_message(card, event("ticket_completed", "A001"), 24 * 3600.0)
    assert next_day.screen == "levels"


def test_lights_are_open_only_while_a_level_may_be_chosen():
    assert flow.lights(idle()) == "off"
    assert flow.lights(asking()) == "open"
    reasons, _ = flow.tap_level(asking(), 1, 0.0)
    assert flow.lights(reasons) == "off"
    sending, _ = flow.tap_level(asking(), 5, 0.0)
    assert flow.lights(flow.on_posted(sending, flow.OK, 0.0)[0]) == "thanks"
    assert flow.lights(flow.on_posted(sending, flow.AWAY, 0.0)[0]) == "error"


STEPS = st.lists(st.one_of(
    st.tuples(st.just("event"), st.sampled_from(["ticket_completed", "rating_requested", "rating_given",
                                                 "window_opened"]), st.sampled_from(["A001", "A002"]),
              st.sampled_from([1, 2])),
    st.tuples(st.just("tap"), st.integers(0, 6)),
    st.tuples(st.just("reason"), st.sampled_from(CARD["reasons"] + ["x"])),
    st.tuples(st.just("submit")), st.tuples(st.just("back")),
    st.tuples(st.just("posted"), st.sampled_from([flow.OK, flow.CONFLICT, flow.AWAY, flow.REFUSED])),
    st.tuples(st.just("wait"), st.floats(0, 120)),
), max_size=40)


@settings(max_examples=300, deadline=None)
@given(STEPS)
def test_any_sequence_sends_at_most_one_rating_per_service_and_never_without_a_chosen_level(steps):
    state, now, sent = idle(), 0.0, []
    for step in steps:
        effects: list = []
        if step[0] == "event":
            state, effects = flow.on_message(state, event(step[1], step[2], step[3]), now)
        elif step[0] == "tap":
            state, effects = flow.tap_level(state, step[1], now)
        elif step[0] == "reason":
            state = flow.toggle_reason(state, step[1], now)
        elif step[0] == "submit":
            state, effects = flow.submit_reasons(state, now)
        elif step[0] == "back":
            state = flow.back_to_levels(state, now)
        elif step[0] == "posted":
            state, effects = flow.on_posted(state, step[1], now)
        else:
            now += step[1]
            state, effects = flow.tick(state, now)
        posts = [e for e in effects if isinstance(e, Post)]
        for post in posts:
            assert post.level in (1, 2, 3, 4, 5)
            assert not post.reasons or post.level in (1, 2)
        sent += [p.number for p in posts]
        assert state.screen != "levels" or state.level is None  # never a preselected level
    # without a failed post in between, a number is sent at most once
    if not any(s[0] == "posted" and s[1] in (flow.AWAY, flow.REFUSED) for s in steps):
        assert len(sent) == len(set(sent))
