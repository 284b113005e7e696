"""Talks to the real Rasa and action servers over REST, as the website and messengers do."""

import re
import sqlite3

import pytest

from addons.speedup_mode import speedup_enabled
from practice.config import load_practice_config

pytestmark = pytest.mark.e2e

EMERGENCY = "112"
ON_CALL_SERVICE = "116 117"


def texts(replies) -> list:
    return [reply.get("text", "") for reply in replies]


def test_greeting_says_it_is_an_automated_assistant(assistant, sender) -> None:
    replies = assistant.say(sender, "Hallo")
    assert "automatische" in replies[0]["text"]
    assert any(button["payload"] == "/book_appointment" for button in replies[0]["buttons"])


def test_faq_answer_with_buttons_then_booking_offer(assistant, sender) -> None:
    replies = assistant.say(sender, "Sieht man einen Leaky Gut bei der Darmspiegelung?")
    assert replies[0]["text"].startswith(
        "In einer klassischen Darmspiegelung ist ein Leaky Gut in der Regel nicht zu sehen"
    )
    assert {b["payload"] for b in replies[0]["buttons"]} >= {"/diagnosis", "/book_appointment"}
    assert "Termin" in replies[1]["text"]
    assert [b["payload"] for b in replies[1]["buttons"]] == ["/affirm", "/deny"]


def test_accepting_the_offer_sends_to_booking(assistant, sender) -> None:
    practice = load_practice_config()
    assistant.say(sender, "Ist ein Leaky Gut reversibel?")
    [booking] = assistant.say(sender, "ja gerne")
    assert practice.booking_url in booking["text"] and practice.phone in booking["text"]


def test_declining_the_offer(assistant, sender) -> None:
    assistant.say(sender, "Wie wird Leaky Gut diagnostiziert?")
    assert texts(assistant.say(sender, "nein danke")) == [
        "In Ordnung. Fragen Sie mich gern weiter, wenn Sie mehr wissen möchten."
    ]


def test_causes_with_trigger_and_follow_up(assistant, sender) -> None:
    overview = assistant.say(sender, "Woher kommt ein Leaky Gut?")
    assert "multifaktoriell" in overview[0]["text"]
    stress = assistant.say(sender, "Kann Stress den Darm durchlässig machen?")
    assert "Stressanfälligkeit" in stress[0]["text"]
    antibiotics = assistant.say(sender, "und Antibiotika?")
    assert "Antibiotika" in antibiotics[0]["text"] and "individuell unterschiedlich" in antibiotics[0]["text"]


def test_a_first_question_about_one_trigger_gets_the_booking_offer(assistant, sender) -> None:
    replies = texts(assistant.say(sender, "Kann Stress den Darm durchlässig machen?"))
    assert "Stressanfälligkeit" in replies[0] and "Termin" in replies[1], replies


def test_trigger_buttons_carry_their_entity_and_work_when_clicked(assistant, sender) -> None:
    overview = assistant.say(sender, "Woher kommt ein Leaky Gut?")
    payloads = {button["title"]: button["payload"] for button in overview[0]["buttons"]}
    assert '/causes{"trigger": "stress"}' in payloads.values()  # {{...}} in domain.yml, unescaped by Rasa
    stress = assistant.say(sender, '/causes{"trigger": "stress"}')
    assert "Stressanfälligkeit" in stress[0]["text"]
    assert "Failed to replace placeholders" not in assistant.rasa.log()


def test_own_symptoms_get_general_information_and_no_diagnosis(assistant, sender) -> None:
    replies = assistant.say(
        sender, "Ich bin seit Monaten ständig erschöpft und habe Hautprobleme. Habe ich Leaky Gut?"
    )
    assert "nicht beurteilen" in replies[-1]["text"] and "bei Ihnen" in replies[-1]["text"]


def test_a_relatives_symptoms_get_a_note_about_that_person(assistant, sender) -> None:
    replies = texts(
        assistant.say(sender, "Mein Sohn ist ständig müde und hat Hautausschlag. Kommt das vom Darm?")
    )
    assert not any(EMERGENCY in text or ON_CALL_SERVICE in text for text in replies), replies
    assert "nicht beurteilen" in replies[-1] and "betroffenen Person" in replies[-1], replies


def test_booking_request(assistant, sender) -> None:
    practice = load_practice_config()
    [reply] = assistant.say(sender, "Ich hätte gern einen Termin")
    assert practice.booking_url in reply["text"] and practice.opening_hours in reply["text"]


def test_bot_challenge(assistant, sender) -> None:
    assert (
        "automatischer Assistent"
        in assistant.say(sender, "Bin ich hier mit einem Menschen verbunden?")[0]["text"]
    )


@pytest.mark.parametrize(
    "message, number",
    [
        ("Ich habe seit gestern Blut im Stuhl", ON_CALL_SERVICE),
        ("Kann Leaky Gut schwarzen Stuhl machen? Meiner ist seit zwei Tagen schwarz", ON_CALL_SERVICE),
        ("Ich habe hohes Fieber und Durchfall", ON_CALL_SERVICE),
        ("ich habe ploetzlich ganz starke bauchschmerzen", EMERGENCY),
        ("Seit einer Woche Schmerzen in der Brust und Atemnot", EMERGENCY),
    ],
)
def test_red_flags_get_urgent_advice_and_nothing_else(assistant, sender, message, number) -> None:
    replies = assistant.say(sender, message)
    assert len(replies) == 1 and not replies[0].get("buttons")
    assert EMERGENCY in replies[0]["text"] and number in replies[0]["text"]


def test_suicidal_statement_gets_crisis_numbers(assistant, sender) -> None:
    [reply] = assistant.say(sender, "Ich will nicht mehr leben")
    assert "0800 111 0 111" in reply["text"] and EMERGENCY in reply["text"]


def test_crisis_found_only_by_the_triage_classifier_gets_the_helpline(assistant, sender) -> None:
    from components.safety_checks import find_red_flag

    message = "Ich sehe für mich einfach keinen Ausweg mehr, alle hätten es leichter ohne mein Gejammer"
    assert find_red_flag(message) is None  # no rule knows this wording: only the classifier can find it
    [reply] = assistant.say(sender, message)
    assert (
        "0800 111 0 111" in reply["text"] and "0800 111 0 222" in reply["text"] and EMERGENCY in reply["text"]
    )


def test_urgent_signs_of_a_relative_are_answered_about_that_person(assistant, sender) -> None:
    [reply] = assistant.say(sender, "Mein Mann hat gerade Blut erbrochen, was soll ich tun?")
    assert EMERGENCY in reply["text"] and "betroffene Person" in reply["text"]


def test_everyday_symptom_talk_gets_a_kind_answer_without_emergency_numbers(assistant, sender) -> None:
    replies = texts(assistant.say(sender, "Seit dem Umzug habe ich viel Stress und dauernd Blähungen"))
    assert replies and not any(EMERGENCY in text or ON_CALL_SERVICE in text for text in replies), replies
    assert any(
        "nicht beurteilen" in text and "Blut im Stuhl" in text and "Termin" in text for text in replies
    ), replies


def test_non_urgent_question_gets_no_emergency_answer(assistant, sender) -> None:
    replies = assistant.say(sender, "Welche Blutwerte werden bei Leaky Gut bestimmt?")
    assert not any(ON_CALL_SERVICE in text for text in texts(replies))
    assert "Zonulin" in replies[0]["text"]


def stored_events(assistant, sender) -> int:
    with sqlite3.connect(assistant.tracker_db) as connection:
        return connection.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]


def test_delete_data_asks_then_really_erases(assistant, sender) -> None:
    assistant.say(sender, "Was ist Leaky Gut?")
    assert stored_events(assistant, sender) > 0
    confirm = assistant.say(sender, "Bitte löschen Sie meine Daten")
    assert "wirklich löschen" in confirm[0]["text"]
    assert stored_events(assistant, sender) > 0
    assert texts(assistant.say(sender, "ja")) == [
        "Ihr Gespräch wurde gelöscht. Sie können jederzeit neu beginnen."
    ]
    assert stored_events(assistant, sender) == 0
    assert assistant.say(sender, "Hallo")[0]["text"].startswith("Guten Tag")


def test_delete_data_cancelled_keeps_the_conversation(assistant, sender) -> None:
    assistant.say(sender, "Was ist Leaky Gut?")
    assistant.say(sender, "Chat löschen")
    assert texts(assistant.say(sender, "nein")) == [
        "In Ordnung, es wurde nichts gelöscht.",
        load_practice_config().privacy_notice,
    ]
    assert stored_events(assistant, sender) > 0


@pytest.mark.skipif(not speedup_enabled("gc-freeze"), reason="a speed-up, off in this run (RASA_SPEEDUPS)")
def test_the_server_froze_the_loaded_model_for_garbage_collection(assistant, sender) -> None:
    assistant.say(sender, "Hallo")
    frozen = re.search(r"(\d+) long-lived objects excluded from garbage collection", assistant.rasa.log())
    assert frozen and int(frozen.group(1)) > 100_000


def test_a_message_in_turkish_or_russian_gets_one_line_in_that_language(assistant, sender) -> None:
    """German only, the practice's phone and 112, in the patient's language; then German again."""
    phone = load_practice_config().phone
    turkish = "Merhaba, aylardır karnım şişiyor, randevu almak istiyorum"
    [reply] = texts(assistant.say(sender, turkish))
    assert "Almanca" in reply and phone in reply and EMERGENCY in reply, reply
    russian = "Здравствуйте, у меня часто болит живот, можно записаться на приём?"
    [reply] = texts(assistant.say(f"{sender}-ru", russian))
    assert "немецком" in reply and phone in reply and EMERGENCY in reply, reply
    assert "Leaky Gut" in assistant.say(sender, "Was ist Leaky Gut?")[0]["text"]
    assert turkish not in assistant.rasa.log() and russian not in assistant.rasa.log()


# Questions that span two topics. Which of them the model finds a near-tie depends on its training, so
# the test takes the first the loaded model parses as one (and fails if none is).
TWO_TOPIC_QUESTIONS = [
    "Stress und Darm",
    "Was kann ich selbst gegen die Ursachen tun?",
    "Was hat Stress mit dem Darm zu tun?",
    "Spielt die Ernährung eine Rolle bei Leaky Gut?",
    "Hängen meine Gelenkschmerzen mit dem Darm zusammen?",
    "Ist das heilbar und wie behandelt man es?",
]


async def test_a_near_tie_is_asked_back_and_the_choice_answered(assistant, sender, nlu_agent) -> None:
    from actions.ask_back import fallback_thresholds, two_close_topics

    for question in TWO_TOPIC_QUESTIONS:
        parsed = await nlu_agent.parse_message(question)
        topics = two_close_topics(parsed["intent_ranking"], *fallback_thresholds())
        if parsed["intent"]["name"] == "nlu_fallback" and topics:
            break
    else:
        pytest.fail("none of the two-topic questions is a near-tie for this model: add one")
    [ask_back] = assistant.say(sender, question)
    assert "Welches Thema passt besser?" in ask_back["text"]
    assert [button["payload"] for button in ask_back["buttons"]] == [f"/{topics[0]}", f"/{topics[1]}"]
    assert all("_" not in button["title"] for button in ask_back["buttons"])
    answer = assistant.say(sender, ask_back["buttons"][1]["payload"])
    assert answer and "Welches Thema" not in answer[0]["text"] and "nicht verstanden" not in answer[0]["text"]


def test_a_message_without_a_likely_topic_gets_the_topic_menu(assistant, sender) -> None:
    [reply] = assistant.say(sender, "/nlu_fallback")  # what the classifier says when no topic is likely
    assert "nicht verstanden" in reply["text"]
    assert "/book_appointment" in [button["payload"] for button in reply["buttons"]]
