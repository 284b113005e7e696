from actions.privacy import ERASED_SLOT, ActionDeleteConversation
from tests.actions.conftest import make_tracker


async def test_delete_confirms_and_marks_the_conversation_for_erasure(dispatcher) -> None:
    events = await ActionDeleteConversation().run(dispatcher, make_tracker("ja", intent="affirm"), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_conversation_deleted"]
    assert events == [{"event": "slot", "timestamp": None, "name": ERASED_SLOT, "value": True}]


def test_the_tracker_store_watches_the_same_slot() -> None:
    from addons.tracker_store import ERASED_SLOT as STORE_SLOT

    assert STORE_SLOT == ERASED_SLOT
