"""Table-driven tests of the deterministic safety checks (no trained model needed)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Optional

import pytest

from components.safety_checks import (
    PATTERNS,
    RED_FLAG_KINDS,
    detect_red_flag,
    find_red_flag,
    mentions_own_situation,
    mentions_relatives_situation,
)
from components.text_normalization import normalize_text

SOMATIC = "somatic"
CRISIS = "crisis"

RED_FLAG_MESSAGES = [
    ("Bitte keine Termine mehr schicken, mich gibt es ab morgen nicht mehr.", CRISIS),
    ("danke für alles. ich geh heute für immer. tschüss", CRISIS),
    ("hab gestern wieder mit dem Ritzen angefangen", CRISIS),
    ("Meine Tochter hat sich wieder geritzt, am Unterarm", CRISIS),
    # an overdose taken
    ("Habe vorhin 20 Ibuprofen auf einmal genommen.", CRISIS),
    ("hab grad auf einmal 30 tabletten geschluckt", CRISIS),
    ("Meine Tochter hat eine ganze Schachtel Paracetamol genommen", CRISIS),
    # unintended weight loss with "verliere Gewicht" and "nicht mit Absicht"; dialect: coughing blood, nights
    ("Ich verliere Gewicht, 10 kg in drei Monaten, nicht mit Absicht.", SOMATIC),
    ("Ich verliere an Gewicht, unabsichtlich, schon 6 Kilo", SOMATIC),
    ("Mien Mann hoost Blood, al dat tweete Mol vundaag.", SOMATIC),
    ("Ich muss znacht wäge em Durchfall uf d Toilette", SOMATIC),
    ("I ha Bluet im Stuehl gseh.", SOMATIC),
    # blood in the stool
    ("Ich habe Blut im Stuhl", SOMATIC),
    ("Seit gestern ist Blut im Stuhl.", SOMATIC),
    ("blut im stuhl seit 3 tagen", SOMATIC),
    ("BLUT IM STUHL!!!", SOMATIC),
    ("blut im stul", SOMATIC),
    ("Ich habe Blut im Stuhlgang bemerkt", SOMATIC),
    ("Ich habe blutigen Stuhl", SOMATIC),
    ("Mein Stuhl ist manchmal blutig", SOMATIC),
    ("Heute war Stuhl mit Blut in der Toilette", SOMATIC),
    ("Mein Stuhl ist voller Blut", SOMATIC),
    ("Meine Hämorrhoiden bluten seit Tagen", SOMATIC),
    ("Ich blute aus dem Po", SOMATIC),
    ("ich blute aus dem after wenn ich auf toilette gehe", SOMATIC),
    ("Da war rotes Blut auf dem Klopapier", SOMATIC),
    ("rotes blut am toilettenpapier nach dem kacken", SOMATIC),
    (
        "Sehr geehrte Damen und Herren, ich habe seit Monaten Blähungen und bin müde, meine Haut "
        "ist schlecht und seit ein paar Tagen ist auch Blut im Stuhl. Kann das Leaky Gut sein?",
        SOMATIC,
    ),
    ("Ich habe kein Fieber, aber Blut im Stuhl", SOMATIC),
    ("Ich weiß nicht, warum ich Blut im Stuhl habe", SOMATIC),
    ("ich weiss nicht warum ich blut im stuhl habe", SOMATIC),
    ("Ich kann kaum etwas essen, ich habe Blut im Stuhl", SOMATIC),
    ("Im Stuhl ist Blut", SOMATIC),
    ("ich sehe blut beim abwischen", SOMATIC),
    ("Nach dem Stuhlgang sehe ich immer Blut", SOMATIC),
    ("Seit einer Woche ist mein Stuhl blutig und schleimig", SOMATIC),
    ("Ich scheiße Blut", SOMATIC),
    # black / tarry stool
    ("Ich habe schwarzen Stuhl", SOMATIC),
    ("Mein Stuhl ist schwarz wie Teer", SOMATIC),
    ("Teerstuhl seit gestern", SOMATIC),
    ("Teer-Stuhl, was soll ich tun?", SOMATIC),
    ("stuhl ist seit zwei tagen schwarz", SOMATIC),
    (
        "Hallo, ich bin 45 und seit Jahren wegen Reizdarm in Behandlung. Letzte Woche hatte ich "
        "schwarzen, klebrigen Stuhlgang und fühle mich schwach. Soll ich einen Termin machen?",
        SOMATIC,
    ),
    ("Mein Mann hat seit gestern Teerstuhl", SOMATIC),
    # unintended weight loss
    ("Ich habe ungewollt 8 Kilo abgenommen", SOMATIC),
    ("In drei Monaten habe ich unbeabsichtigt stark abgenommen", SOMATIC),
    ("ich hab ohne grund 6 kg abgenommen", SOMATIC),
    ("Ich nehme immer mehr ab ohne es zu wollen", SOMATIC),
    ("Ich habe abgenommen, ohne es zu wollen", SOMATIC),
    ("Ich nehme ständig ab, obwohl ich normal esse", SOMATIC),
    ("Ich habe einen starken Gewichtsverlust in letzter Zeit", SOMATIC),
    ("ungewollter Gewichtsverlust", SOMATIC),
    ("Ich verliere ständig Gewicht", SOMATIC),
    ("Ich nehme unerklärlich immer weiter ab", SOMATIC),
    # fever with diarrhoea, bloody diarrhoea
    ("Ich habe Fieber und Durchfall", SOMATIC),
    ("Durchfall und seit gestern hohes Fieber", SOMATIC),
    ("Ich habe 39 Grad Fieber und ständig Durchfall", SOMATIC),
    ("Ich habe blutigen Durchfall", SOMATIC),
    ("Durchfall mit Blut seit heute morgen", SOMATIC),
    ("Ich habe Durchfall, Fieber und Schüttelfrost", SOMATIC),
    ("Fieber und Bauchkrämpfe seit gestern", SOMATIC),
    # sudden or severe abdominal pain
    ("Ich habe plötzlich starke Bauchschmerzen", SOMATIC),
    ("ploetzlich heftige schmerzen im bauch", SOMATIC),
    ("Extreme Bauchschmerzen, kaum auszuhalten", SOMATIC),
    ("Ich habe unerträgliche Schmerzen im Unterleib", SOMATIC),
    ("Kaum auszuhaltende Bauchschmerzen seit heute Nacht", SOMATIC),
    ("Ich habe sehr starke Bauchkrämpfe", SOMATIC),
    ("Bauchschmerzen extrem stark seit heute Mittag", SOMATIC),
    ("Die Bauchschmerzen sind unerträglich", SOMATIC),
    ("Mein Bauch tut höllisch weh", SOMATIC),
    ("Ich hatte noch nie so starke Bauchschmerzen", SOMATIC),
    ("Keine Ahnung warum, ich habe plötzlich starke Bauchschmerzen", SOMATIC),
    ("Ich krümme mich vor Schmerzen", SOMATIC),
    ("hab ploetzlich mega bauchschmerzn", SOMATIC),
    ("Bauchschmerzen so stark, dass ich nicht mehr laufen kann", SOMATIC),
    # vomiting blood
    ("Ich habe Blut erbrochen", SOMATIC),
    ("Ich erbreche Blut", SOMATIC),
    ("Das Erbrochene sah aus wie Kaffeesatz", SOMATIC),
    ("Kaffeesatz-Erbrechen heute Morgen", SOMATIC),
    ("blutiges Erbrechen seit heute Nacht", SOMATIC),
    ("Ich spucke Blut", SOMATIC),
    ("ich musste mich übergeben und da war Blut dabei", SOMATIC),
    # difficulty swallowing
    ("Ich habe Schluckbeschwerden", SOMATIC),
    ("Hab seit ner Woche Schluckbeschwerden", SOMATIC),
    ("Ich kann kaum schlucken", SOMATIC),
    ("ich kann nicht mehr richtig schlucken", SOMATIC),
    ("Ich habe Probleme beim Schlucken", SOMATIC),
    ("Das Essen bleibt mir im Hals stecken", SOMATIC),
    ("Schlucken fällt mir seit Wochen schwer", SOMATIC),
    # diarrhoea at night
    ("Ich habe nachts Durchfall", SOMATIC),
    ("Durchfall in der Nacht, jede Nacht", SOMATIC),
    ("Ich wache nachts wegen Durchfall auf", SOMATIC),
    ("Nächtlicher Durchfall seit zwei Wochen", SOMATIC),
    ("Ich werde vom Durchfall wach", SOMATIC),
    # chest pain
    ("Ich habe Brustschmerzen", SOMATIC),
    ("Schmerzen in der Brust seit heute früh", SOMATIC),
    ("Druck auf der Brust und Übelkeit", SOMATIC),
    ("Ich habe ein Engegefühl in der Brust", SOMATIC),
    ("ich habe schmerzen in der linken brust", SOMATIC),
    ("Meine Brust tut so weh", SOMATIC),
    ("Es drückt auf der Brust", SOMATIC),
    ("Ich kann nicht schlafen wegen Brustschmerzen", SOMATIC),
    # breathlessness
    ("Ich habe Atemnot", SOMATIC),
    ("Ich bekomme keine Luft", SOMATIC),
    ("ich krieg kaum luft", SOMATIC),
    ("Seit gestern bin ich total kurzatmig", SOMATIC),
    ("Luftnot beim Treppensteigen", SOMATIC),
    ("Hab Druck auf der Brust und bekomme schlecht Luft", SOMATIC),
    # one typo per alarm word (dropped, doubled, swapped or neighbouring letter)
    ("blut im sthul", SOMATIC),
    ("ich hab durchfal und fiebr", SOMATIC),
    ("bauchschmerzn extrem", SOMATIC),
    ("plotzlich heftigge bauchschmerzen", SOMATIC),
    ("ungewolt abgenomen", SOMATIC),
    ("ich habe schlukbeschwerden", SOMATIC),
    ("ich bekome keine luftt", SOMATIC),
    ("brustschmerzn", SOMATIC),
    # crisis
    ("Ich will nicht mehr leben", CRISIS),
    ("ICH WILL NICHT MEHR LEBEN", CRISIS),
    ("ich moechte nicht mehr leben", CRISIS),
    ("ich will sterben", CRISIS),
    ("Ich merke, dass ich sterben will", CRISIS),
    ("Ich glaube, dass ich nicht mehr leben will", CRISIS),
    ("Ich mochte sterben", CRISIS),
    ("Ich möchte mich umbringen", CRISIS),
    ("ich bring mich um", CRISIS),
    ("Ich denke an Suizid", CRISIS),
    ("Ich habe Selbstmordgedanken", CRISIS),
    ("Manchmal denke ich, ich sollte mir das Leben nehmen", CRISIS),
    ("Ich bin lebensmüde", CRISIS),
    ("Ich will einfach alles beenden", CRISIS),
    ("Es hat alles keinen Sinn mehr zu leben", CRISIS),
    ("Ich verletze mich selbst", CRISIS),
    ("ich ritze mich wieder", CRISIS),
    ("Ich wäre lieber tot", CRISIS),
    ("ich hab keine lust mehr zu leben", CRISIS),
    ("Ich will mir etwas antun", CRISIS),
    ("Ich will nicht mehr.", CRISIS),
    ("Ich kann und will nicht mehr", CRISIS),
    ("Wenn das so weitergeht bring ich mich um", CRISIS),
    ("Für meine Familie wäre es leichter, wenn ich nicht mehr da wäre", CRISIS),
    ("Ich habe schon Schlaftabletten gesammelt", CRISIS),
    ("Die Beschwerden machen mich fertig, ich will nicht mehr leben", CRISIS),
    (
        "Seit Monaten quälen mich Durchfall und Erschöpfung, ich habe keine Kraft mehr und denke "
        "daran, mich umzubringen.",
        CRISIS,
    ),
    ("Ich kann nicht mehr und will sterben", CRISIS),
    ("Ich halte es nicht aus ich will sterben", CRISIS),
    ("Ich habe Blut im Stuhl und will nicht mehr leben", CRISIS),
    ("ich will nciht mehr leben", CRISIS),
    ("ich will nicht mehr lebn", CRISIS),
    ("suizdigedanken", CRISIS),
    # indirect crisis wording and places
    ("Ich falle allen nur zur Last mit meinem ewigen Bauch.", CRISIS),
    ("Keine Sorge, ich werde euch nicht mehr lange nerven.", CRISIS),
    ("Ich habe mit allem abgeschlossen und mir überlegt, wie ich es mache.", CRISIS),
    ("manchmal denke ich dran mir das leben zu nehmne", CRISIS),
    ("Meine Schwester will niemandem mehr zur Last fallen und verschenkt ihre Sachen", CRISIS),
    ("Ich stand gestern auf der Brücke und hab überlegt zu springen", CRISIS),
    ("Wenn das so weitergeht, dann mach ich halt Schluss.", CRISIS),
    # signs added with the triage stage
    ("Das ganze Klo war rot, nachdem ich auf der Toilette war", SOMATIC),
    ("Mein Sohn hat eine Knopfbatterie verschluckt", SOMATIC),
    ("Mein Vater ist in der Küche zusammengebrochen", SOMATIC),
    ("Meine Augen sind seit Tagen ganz gelb", SOMATIC),
    ("Bei meiner Mutter hängt seit einer halben Stunde der Mundwinkel", SOMATIC),
    ("mei opa huast bluat", SOMATIC),
    ("Unser Baby ist 5 Wochen alt und hat 38,5 Fieber", SOMATIC),
    # combinations, wherever they stand in the message
    ("Meine Hosen rutschen. Ich esse ganz normal und weiß nicht warum.", SOMATIC),
    ("Der Durchfall ist schlimm. Er weckt mich mehrmals.", SOMATIC),
]

NO_ALARM_MESSAGES = [
    "Ich gehe für immer nach Kanada, bitte sagen Sie alle Termine ab.",
    "Die Praxis, in der ich früher war, gibt es nicht mehr.",
    "Ich bin dann mal weg, bis nächste Woche!",
    "Als Teenager habe ich mich geritzt, das ist zwanzig Jahre her und vorbei.",
    "Darf man 2 Ibuprofen auf einmal nehmen?",
    "Kann ich 10 Tabletten auf einmal nehmen?",
    "Ich habe 400 mg Ibuprofen genommen.",
    "Ich habe die ganze Packung Flohsamen genommen, wann wirkt das?",
    "Ich verliere Gewicht, mit Absicht: ich mache seit Januar Intervallfasten.",
    # denials in dialect (without the negation, each is an alarm)
    "Ich hab nich Blut im Stuhl, nur Blähungen.",
    "I ha nid Bluet im Stuehl gseh.",
    "Hob ka Bluat im Stuhl, nur Bauchweh.",
    "Nachts muss ich ni raus wegen Durchfall.",
    # ordinary Leaky Gut questions
    "Kann Stress den Darm durchlässig machen?",
    "Was ist Leaky Gut?",
    "Welche Blutwerte werden bestimmt?",
    "Sieht man Leaky Gut in der Darmspiegelung?",
    "Meine Darmspiegelung war unauffällig, kann ich trotzdem Leaky Gut haben?",
    "Was ist Zonulin im Blut?",
    "Wie läuft die Stuhlprobe ab?",
    "Brauche ich eine Überweisung für die Stuhluntersuchung?",
    "Wird bei Ihnen eine Blutuntersuchung gemacht?",
    "Muss ich für den Bluttest nüchtern sein?",
    "Welche Rolle spielt die Blut-Hirn-Schranke?",
    "Ist Ibuprofen schlecht für die Darmschleimhaut?",
    "Ist Leaky Gut gefährlich?",
    "Was passiert, wenn man nichts macht?",
    "Wie lange dauert es, bis der Darm heilt?",
    "Sind Probiotika sinnvoll?",
    "Kann ein Leaky Gut zu Gewichtszunahme führen?",
    "Hilft Yoga bei Bauchkrämpfen?",
    "Ist Atemtraining gut gegen Stress?",
    "Gibt es Brustkrebs-Vorsorge?",
    "Ich bin Brustkrebspatientin, ist das relevant?",
    # everyday complaints without an alarm sign
    "Ich habe oft Blähungen",
    "Ich habe starke Blähungen",
    "leichte Bauchschmerzen nach dem Essen",
    "Ich habe ab und zu Bauchschmerzen",
    "Ich habe gelegentlich Bauchkrämpfe",
    "Ich habe Bauchschmerzen, ist das schlimm?",
    "Mein Bauch tut weh",
    "Ich bin ständig müde",
    "Ich habe manchmal Durchfall",
    "Durchfall hatte ich früher mal",
    "Ich habe tagsüber Durchfall, nachts ist alles ruhig",
    "Nachts habe ich keinen Durchfall",
    "Ich schlafe nachts schlecht",
    "Mein Stuhl ist mal fest, mal weich",
    "Mein Stuhl ist dunkelbraun",
    "Stuhl ist normal",
    "Mein Stuhlgang ist seit Wochen unregelmäßig",
    "Ich habe viel Luft im Bauch",
    "Ich habe Druck im Bauch",
    "Ich habe Sodbrennen",
    "Ich habe Halsschmerzen und eine Erkältung",
    "Ich kann große Tabletten schlecht schlucken",
    "Ich trinke schwarzen Kaffee, ist das schlecht für den Darm?",
    "Ich habe Fieberbläschen und Durchfall",
    "Wird im Stuhl auch nach verstecktem Blut gesucht?",
    "Testen Sie im Stuhl auf Blut?",
    "Ich habe dunklen Stuhl nach Rote Bete",
    "Meine Bauchschmerzen sind besser geworden",
    "Seit der Therapie habe ich kaum noch Bauchschmerzen",
    "Die Schmerzen im Knie sind extrem",
    "Unerträgliche Blähungen nach Hülsenfrüchten",
    "Nachts wache ich oft auf und muss auf Toilette",
    "Ich habe ein Stechen in der Seite beim Joggen",
    "Mir war gestern übel und ich habe erbrochen",
    "Ich habe Fieber",
    "Ich habe beim Zähneputzen Blut gespuckt",
    # real words one typo away from an alarm word must stay what they are
    "Ich will nicht mehr Leber essen",
    "Ich will nicht mehr lesen, ich will Fakten",
    "Ich will nicht streben, ich will gesund werden",
    "Ich habe auch Durchfall",
    "Heute Nacht hatte ich Blähungen",
    "Ich esse lieber Brot",
    "Fiber ist gut für den Darm",
    "Ist Stahl im Kochtopf schädlich?",
    "Ich habe Frust wegen der Diät",
    # denied alarm signs
    "Ich habe kein Blut im Stuhl",
    "ich hatte nie Blut im Stuhl",
    "Ich habe keine Atemnot und keine Brustschmerzen",
    "Ich hatte kein Fieber, nur Durchfall",
    "Ich habe Fieber, aber keinen Durchfall",
    "Ich habe keine Schluckbeschwerden",
    "Ich habe nie Teerstuhl gehabt",
    "Ich habe keine Probleme beim Schlucken",
    "Meine Bauchschmerzen sind nicht stark",
    "Gewichtsverlust ist bei mir kein Thema",
    # weight: intended or neutral
    "Ich habe abgenommen, weil ich Diät mache",
    "Ich habe durch die Ernährungsumstellung 3 Kilo abgenommen",
    "Ich möchte gerne abnehmen und meinen Darm sanieren",
    "Kann man ohne Diät abnehmen?",
    "Hilft das beim Gewichtsverlust?",
    "Gewichtsverlust durch Sport ist mein Ziel",
    "Ich habe ohne Diät abgenommen, nur durch mehr Sport",
    # medication, lifestyle, words that only look alarming
    "Ich habe Schmerzmittel genommen",
    "Ich nehme Eisentabletten",
    "ich lebe gesund",
    "Ich lebe seit Jahren mit Reizdarm",
    "Die Diät bringt mich noch um",
    "Ich will nicht mehr so viel Zucker essen",
    "Ich will nicht, dass es schlimmer wird",
    "Ich will nicht sterben, ich will nur gesund werden",
    "Ich habe keine Suizidgedanken",
    "Ich will sterben vor Lachen",
    "Ich kann nicht mehr, ich bin so müde",
    "Das macht keinen Sinn mehr mit der Diät",
    "Ich möchte gesünder leben",
    "Ich bekomme keinen Termin bei meinem Arzt",
    "Ich habe mich beim Gemüseschneiden geschnitten",
    "Ich habe mir beim Sport selbst wehgetan",
    "Ich habe Angst, dass es etwas Schlimmes ist",
    "Ich habe früher stark geraucht",
    # booking, contact, small talk, privacy
    "Ich würde gerne einen Termin am Abend",
    "Haben Sie nachts eine Notfallnummer?",
    "Kann ich am Samstag kommen?",
    "Ich möchte das Gespräch beenden",
    "Ich möchte alles beenden und meine Daten löschen",
    "Bitte löschen Sie meine Daten",
    "Sind Sie ein Bot?",
    "Hallo",
    "Danke, tschüss!",
    "",
    # signs in the past and over, asked about as terms, explained, or about an animal
    "Vor drei Jahren hatte ich Blut im Stuhl, das wurde damals abgeklärt.",
    "Als Jugendliche habe ich mich geritzt, das ist lange her.",
    "Vor zwei Monaten hatte ich Fieber und Durchfall, das ist längst vorbei.",
    "Was bedeutet eigentlich Teerstuhl?",
    "Warum fragen Sie im Fragebogen nach Blut im Stuhl?",
    "Mein Stuhl ist schwarz, seit ich Eisentabletten nehme.",
    "Beim Abwischen war Blut, ich habe gerade meine Periode.",
    "Mein Hund hat blutigen Durchfall, was soll ich ihm geben?",
    "Blut im Stuhl hatte ich nie.",
    "Fieber nein, Gewichtsverlust nein, nur Blähungen.",
    "Ich könnt mich erschießen, ich hab den Termin vergessen.",
    "Bei den Preisen bleibt mir ja die Luft weg!",
    "Ich trinke gern Blutorangensaft, ist das gut für den Darm?",
    "Mein Stuhl ist seit dem Schwarztee dunkler",
    "Ich sterbe vor Hunger, was darf ich essen?",
    # weight lost on purpose, night-time toilet visits without diarrhoea
    "Meine Hosen sitzen lockerer, seit ich Intervallfasten mache.",
    "Nachts muss ich nie raus, nur morgens ist der Stuhl weich.",
]

OWN_SITUATION_MESSAGES = [
    "Ich bin ständig müde",
    "ich bin immer so muede",
    "Ich habe oft Blähungen",
    "Habe ich Leaky Gut?",
    "hab ich vielleicht einen durchlässigen Darm",
    "Könnte ich Leaky Gut haben?",
    "Bei mir wurde Zonulin gemessen",
    "Meine Haut ist seit Monaten schlecht",
    "mein Darm rumort ständig",
    "Meine Beschwerden werden schlimmer",
    "Meine Symptome sind Müdigkeit und Ausschlag",
    "Ich leide seit Jahren unter Blähungen",
    "Ich fühle mich immer erschöpft",
    "Mir ist nach dem Essen oft übel",
    "Mir tut ständig der Bauch weh",
    "Mein Stuhlgang ist unregelmäßig",
    "Ich nehme seit Wochen Ibuprofen",
    "Ich vertrage keine Milch",
    "Ich habe Schmerzmittel genommen",
    "Ich habe Blut im Stuhl",
    "hab seit wochen blaehungen und bin total schlapp",
    "Wie finde ich heraus, ob ich Leaky Gut habe?",
    "Hallo. Ich habe seit Wochen Durchfall. Ich habe gelesen, dass Zucker schadet.",
]

NOT_OWN_SITUATION_MESSAGES = [
    "Was ist Leaky Gut?",
    "Kann Stress den Darm durchlässig machen?",
    "Welche Blutwerte werden bestimmt?",
    "Welche Symptome hat man bei Leaky Gut?",
    "Sieht man Leaky Gut in der Darmspiegelung?",
    "Wie läuft die Stuhlprobe ab?",
    "Wie lange dauert die Behandlung?",
    "Ich würde gerne einen Termin am Abend",
    "Ich hätte gerne einen Termin",
    "Kann ich einen Termin haben?",
    "Ich habe eine Frage zu Zonulin",
    "Ich habe gelesen, dass Zucker dem Darm schadet",
    "Habe ich das richtig verstanden, dass man es heilen kann?",
    "Bitte löschen Sie meine Daten",
    "Sind Sie ein Bot?",
    "Gibt es Brustkrebs-Vorsorge?",
    "Hallo",
    "",
]

NORMALIZATION_CASES = [
    ("Grüß Gott", "gruess gott"),
    ("Ich bin STÄNDIG müde!!", "ich bin staendig muede"),
    ("ÜBELKEIT & Ärger", "uebelkeit aerger"),
    ("Öl", "oel"),
    ("STRAẞE", "strasse"),
    ("mu\u0308de", "muede"),
    ("ＢＬＵＴ im Stuhl", "blut im stuhl"),
    ("\ufb01eber", "fieber"),
    ("Kaffeesatz-Erbrechen", "kaffeesatz erbrechen"),
    ("  Blut   im\tStuhl\n ", "blut im stuhl"),
    ("38,5 °C Fieber", "38 5 c fieber"),
    ("I-FABP/IFABP?", "i fabp ifabp"),
    ("", ""),
    (" ?! ... ", ""),
]


@pytest.mark.parametrize("text, expected", RED_FLAG_MESSAGES)
def test_red_flags_are_detected(text: str, expected: str) -> None:
    assert detect_red_flag(text) == expected, find_red_flag(text)


@pytest.mark.parametrize("text", NO_ALARM_MESSAGES)
def test_no_false_alarm(text: str) -> None:
    assert detect_red_flag(text) is None, find_red_flag(text)


@pytest.mark.parametrize("text", OWN_SITUATION_MESSAGES)
def test_own_situation_is_recognised(text: str) -> None:
    assert mentions_own_situation(text) is True


@pytest.mark.parametrize("text", NOT_OWN_SITUATION_MESSAGES)
def test_general_questions_are_not_own_situation(text: str) -> None:
    assert mentions_own_situation(text) is False


@pytest.mark.parametrize("text, expected", NORMALIZATION_CASES)
def test_normalize_text(text: str, expected: str) -> None:
    assert normalize_text(text) == expected


@pytest.mark.parametrize("text", [text for text, _ in NORMALIZATION_CASES])
def test_normalize_text_is_idempotent(text: str) -> None:
    assert normalize_text(normalize_text(text)) == normalize_text(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Ich habe kein Blut im Stuhl", None),
        ("Ich habe kein Fieber, aber Blut im Stuhl", SOMATIC),
        ("Kein Fieber. Blut im Stuhl.", SOMATIC),
        ("Ich habe keine Übelkeit, Blut im Stuhl habe ich", SOMATIC),
        ("Ich habe keinen Durchfall, doch nachts wache ich wegen Durchfall auf", SOMATIC),
        ("Keine Brustschmerzen; jedoch Atemnot", SOMATIC),
        ("Ich habe keine Kraft mehr und Blut im Stuhl", SOMATIC),
    ],
)
def test_negation_stays_inside_its_clause(text: str, expected: Optional[str]) -> None:
    assert detect_red_flag(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Vor einem Jahr hatte ich Blut im Stuhl, seit gestern wieder", SOMATIC),
        ("Früher hatte ich Atemnot, jetzt wieder seit heute früh", SOMATIC),
        ("Vor zwei Monaten hatte ich Blut im Stuhl.", SOMATIC),  # not said to be over
        ("Ich nehme Eisentabletten und habe seit einer Stunde Brustschmerzen", SOMATIC),  # 112 signs stay
    ],
)
def test_time_and_causes_do_not_hide_a_present_sign(text: str, expected: str) -> None:
    assert detect_red_flag(text) == expected


@pytest.mark.parametrize(
    "text, calls_112",
    [
        ("Ich habe starke Brustschmerzen", True),
        ("Ich bekomme kaum Luft", True),
        ("Ich habe Blut erbrochen", True),
        ("Ganz plötzlich extreme Bauchschmerzen", True),
        ("Ich habe Blut im Stuhl", False),
        ("Ich nehme ungewollt ab", False),
        ("Blut im Stuhl und Atemnot", True),  # 112 when one of the signs calls for it
    ],
)
def test_rules_tell_when_112_is_the_number(text: str, calls_112: bool) -> None:
    hit = find_red_flag(text)
    assert hit is not None and hit.call_112 is calls_112


def test_crisis_wins_over_somatic() -> None:
    assert detect_red_flag("Ich habe Atemnot und Blut im Stuhl. Ich will sterben.") == CRISIS


def test_hit_names_the_rule() -> None:
    hit = find_red_flag("Ich habe Blut im Stuhl")
    assert hit is not None
    assert (hit.kind, hit.name, hit.matched_text) == (SOMATIC, "blood_in_stool", "blut im stuhl")


def test_pattern_file_has_both_kinds_and_unique_names() -> None:
    names = [rule.name for rule in PATTERNS.red_flags]
    assert len(names) == len(set(names))
    assert {rule.kind for rule in PATTERNS.red_flags} == set(RED_FLAG_KINDS)
    assert PATTERNS.negations and PATTERNS.personal_context


@pytest.mark.parametrize(
    "typo, word",
    [("sthul", "stuhl"), ("durchfal", "durchfall"), ("nciht", "nicht"), ("suizdi", "suizid")],
)
def test_single_typos_are_corrected(typo: str, word: str) -> None:
    assert PATTERNS.typo_corrections.get(typo) == word


@pytest.mark.parametrize("real_word", ["stahl", "lieber", "leber", "auch", "sehr", "nacht", "meine"])
def test_real_words_are_never_corrected(real_word: str) -> None:
    assert real_word not in PATTERNS.typo_corrections


def test_keep_list_covers_the_german_lemma_table() -> None:
    """No real German word may be 'corrected' into an alarm word (needs spacy-lookups-data)."""
    lookups = pytest.importorskip("spacy_lookups_data")
    path = Path(lookups.__file__).parent / "data" / "de_lemma_lookup.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        table = json.load(handle)
    real_words = {normalize_text(word) for pair in table.items() for word in pair}
    corrected = sorted(word for word in real_words if word in PATTERNS.typo_corrections)
    assert not corrected, f"add these to typo_tolerance.keep: {corrected}"


def test_every_red_flag_rule_is_exercised_by_a_test_message() -> None:
    fired = {find_red_flag(text).name for text, _ in RED_FLAG_MESSAGES if find_red_flag(text)}
    rules = [rule.name for rule in PATTERNS.red_flags] + [rule.name for rule in PATTERNS.combinations]
    unused = sorted(name for name in rules if name not in fired)
    assert not unused, f"rules without a positive test message: {unused}"


def test_tables_are_large_enough() -> None:
    assert len(RED_FLAG_MESSAGES) >= 60
    assert len(NO_ALARM_MESSAGES) >= 60


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mein Sohn hat seit Wochen ständig Blähungen. Kann das ein Leaky Gut sein?", True),
        ("Meine Mutter leidet an Hautausschlag, hängt das mit dem Darm zusammen?", True),
        ("Bei meiner Tochter ist der Bauch oft aufgebläht.", True),
        ("Meine Frau hat mir von Leaky Gut erzählt. Was ist das?", False),
        ("Was ist ein Leaky Gut?", False),
        ("Ich habe Blähungen", False),
    ],
)
def test_mentions_relatives_situation(text: str, expected: bool) -> None:
    assert mentions_relatives_situation(text) is expected
