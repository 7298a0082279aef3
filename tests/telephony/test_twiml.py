"""Every TwiML branch, parsed with xml.etree and checked verb by verb."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest

from api.consent import ConsentAnswer, classify_consent
from api.twiml_builders import DISCLOSURE, TRANSFER_FAILED, WHISPER, spoken_digits
from domain.enums import TransferLegStatus
from domain.messages import ConsentEvent, TransferLegResult
from security.stream_token import verify
from tests.telephony.conftest import (
    CALL_SID,
    CALLBACK_NUMBER,
    PUBLIC_BASE,
    STREAM_SECRET,
    WORKFLOW_ID,
    FakeGateway,
    FakeTelephony,
    Webhooks,
    call_params,
)

WF = {"workflow_id": WORKFLOW_ID}


def q(path: str, **query: str) -> str:
    from urllib.parse import urlencode

    return f"{path}?{urlencode({**WF, **query})}"


def parse(body: str) -> ET.Element:
    root = ET.fromstring(body)
    assert root.tag == "Response"
    return root


async def test_answer_discloses_ai_and_recording_before_an_uninterruptible_consent_gather(
    webhooks: Webhooks, gateway: FakeGateway
) -> None:
    response = await webhooks.post(q("/twilio/voice/answer"), call_params())
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    root = parse(response.text)
    verbs = [child.tag for child in root]
    assert verbs == ["Say", "Gather"]
    disclosure = root[0].text or ""
    assert disclosure == DISCLOSURE
    assert "A.I. assistant" in disclosure and "recorded" in disclosure
    gather = root[1]
    assert gather.get("input") == "speech dtmf"
    assert gather.get("numDigits") == "1"
    assert gather.get("actionOnEmptyResult") == "true"
    prompt = gather.find("Say")
    assert prompt is not None and "say yes or press 1" in (prompt.text or "")
    action = urlsplit(gather.get("action", ""))
    assert f"{action.scheme}://{action.netloc}{action.path}" == f"{PUBLIC_BASE}/twilio/voice/consent"
    assert parse_qs(action.query) == {"workflow_id": [WORKFLOW_ID], "attempt": ["1"]}
    assert gateway.signals == []  # answering alone signals nothing (status callbacks do)


@pytest.mark.parametrize(
    ("params", "method"),
    [({"SpeechResult": "Yes, that's fine.", "Confidence": "0.9"}, "speech"), ({"Digits": "1"}, "dtmf")],
)
async def test_consent_yes_signals_then_records_then_connects_the_stream(
    webhooks: Webhooks, gateway: FakeGateway, telephony: FakeTelephony, params: dict[str, str], method: str
) -> None:
    response = await webhooks.post(q("/twilio/voice/consent", attempt="1"), call_params(**params))
    assert response.status_code == 200
    root = parse(response.text)
    assert [c.tag for c in root] == ["Connect"]
    stream = root[0].find("Stream")
    assert stream is not None
    assert stream.get("url") == "wss://media.gyde.example/media"
    assert stream.get("track") is None  # bidirectional streams are inbound-only
    parameters = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
    assert parameters["workflow_id"] == WORKFLOW_ID
    claims = verify(STREAM_SECRET, parameters["token"], call_sid=CALL_SID)
    assert claims.workflow_id == WORKFLOW_ID and claims.call_sid == CALL_SID
    assert gateway.of("consent") == [ConsentEvent(call_sid=CALL_SID, given=True, method=method)]
    assert telephony.actions == [("start_recording", CALL_SID, WORKFLOW_ID)]


@pytest.mark.parametrize("params", [{"SpeechResult": "No, not interested"}, {"Digits": "2"}])
async def test_consent_no_says_goodbye_hangs_up_and_never_records(
    webhooks: Webhooks, gateway: FakeGateway, telephony: FakeTelephony, params: dict[str, str]
) -> None:
    response = await webhooks.post(q("/twilio/voice/consent", attempt="1"), call_params(**params))
    root = parse(response.text)
    assert [c.tag for c in root] == ["Say", "Hangup"]
    assert "goodbye" in (root[0].text or "").lower()
    assert [e.given for e in gateway.of("consent")] == [False]
    assert telephony.actions == []


async def test_ambiguous_consent_is_asked_once_more_then_treated_as_no(
    webhooks: Webhooks, gateway: FakeGateway, telephony: FakeTelephony
) -> None:
    first = parse(
        (
            await webhooks.post(
                q("/twilio/voice/consent", attempt="1"), call_params(SpeechResult="hmm what?")
            )
        ).text
    )
    assert [c.tag for c in first] == ["Gather"]
    assert parse_qs(urlsplit(first[0].get("action", "")).query)["attempt"] == ["2"]
    assert gateway.signals == []

    second = parse((await webhooks.post(q("/twilio/voice/consent", attempt="2"), call_params())).text)
    assert [c.tag for c in second] == ["Say", "Hangup"]
    assert gateway.of("consent") == [ConsentEvent(call_sid=CALL_SID, given=False, method="unclear")]
    assert telephony.actions == []


async def test_voicemail_leaves_only_a_name_and_callback_number(webhooks: Webhooks) -> None:
    root = parse((await webhooks.post(q("/twilio/voice/voicemail"), call_params())).text)
    assert [c.tag for c in root] == ["Pause", "Say", "Hangup"]
    text = root[1].text or ""
    assert "Emma" in text and spoken_digits(CALLBACK_NUMBER) in text
    for private in ("+12025550123", "dental", "vision", "plan", "client1", "camp1"):
        assert private not in text


async def test_whisper_is_one_sentence_for_the_broker(webhooks: Webhooks) -> None:
    root = parse((await webhooks.post(q("/twilio/voice/whisper"), call_params(CallSid="CA" + "3" * 32))).text)
    assert [c.tag for c in root] == ["Say"]
    assert root[0].text == WHISPER


async def test_transfer_result_connected_hangs_up_and_signals(
    webhooks: Webhooks, gateway: FakeGateway
) -> None:
    root = parse(
        (
            await webhooks.post(q("/twilio/voice/transfer-result"), call_params(DialCallStatus="completed"))
        ).text
    )
    assert [c.tag for c in root] == ["Hangup"]
    [event] = gateway.of("transfer_result")
    assert event == TransferLegResult(CALL_SID, TransferLegStatus.COMPLETED)
    assert gateway.of("call_status") == []


async def test_transfer_result_broker_no_answer_tells_the_client(
    webhooks: Webhooks, gateway: FakeGateway
) -> None:
    root = parse(
        (
            await webhooks.post(q("/twilio/voice/transfer-result"), call_params(DialCallStatus="no-answer"))
        ).text
    )
    assert [c.tag for c in root] == ["Say", "Hangup"]
    assert root[0].text == TRANSFER_FAILED
    [event] = gateway.of("transfer_result")
    assert isinstance(event, TransferLegResult)
    assert event.status is TransferLegStatus.NO_ANSWER and not event.status.bridged


async def test_transfer_result_rejects_unknown_dial_status(webhooks: Webhooks) -> None:
    response = await webhooks.post(q("/twilio/voice/transfer-result"), call_params(DialCallStatus="exploded"))
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("speech", "digits", "expected"),
    [
        ("Yes", None, ConsentAnswer.YES),
        ("yeah sure go ahead", None, ConsentAnswer.YES),
        ("no problem", None, ConsentAnswer.YES),
        ("No.", None, ConsentAnswer.NO),
        ("I'm not interested", None, ConsentAnswer.NO),
        ("yes... no, wait", None, ConsentAnswer.UNCLEAR),
        ("what is this about?", None, ConsentAnswer.UNCLEAR),
        ("", None, ConsentAnswer.UNCLEAR),
        (None, "1", ConsentAnswer.YES),
        (None, "2", ConsentAnswer.NO),
        (None, "7", ConsentAnswer.UNCLEAR),
        ("no", "1", ConsentAnswer.YES),
        ("nobody home", None, ConsentAnswer.UNCLEAR),
        # a yes-word turned into a no is no consent (it used to read as yes)
        ("that's not fine", None, ConsentAnswer.NO),
        ("absolutely not", None, ConsentAnswer.NO),
        ("not okay", None, ConsentAnswer.NO),
        ("of course not", None, ConsentAnswer.NO),
        # refusals without a 'no'
        ("I'd rather you didn't", None, ConsentAnswer.NO),
        ("I'd prefer not", None, ConsentAnswer.NO),
        ("I'm not comfortable with that", None, ConsentAnswer.NO),
        ("I object", None, ConsentAnswer.NO),
        ("not really", None, ConsentAnswer.NO),
        # yeses with a negative word in them
        ("no objection", None, ConsentAnswer.YES),
        ("no, we don't mind", None, ConsentAnswer.YES),
        ("doesn't matter to me", None, ConsentAnswer.YES),
        ("I'm cool with that", None, ConsentAnswer.YES),
        ("you may record", None, ConsentAnswer.YES),
        ("as long as it's not shared", None, ConsentAnswer.UNCLEAR),  # a condition: asked again
        # refusals that hold a yes-like phrase
        ("you may not record", None, ConsentAnswer.NO),
        ("you can't record me", None, ConsentAnswer.NO),
        ("please don't record me", None, ConsentAnswer.NO),
        ("no I'm good", None, ConsentAnswer.NO),
        ("I refuse", None, ConsentAnswer.NO),
        ("good morning", None, ConsentAnswer.UNCLEAR),
        ("you can turn it off", None, ConsentAnswer.UNCLEAR),
        ("never mind, go ahead", None, ConsentAnswer.YES),
        ("I don't object", None, ConsentAnswer.YES),
    ],
)
def test_consent_classification(speech: str | None, digits: str | None, expected: ConsentAnswer) -> None:
    assert classify_consent(speech, digits) is expected


def test_spoken_digits_reads_a_number_digit_by_digit() -> None:
    assert spoken_digits("+15005550006") == "5 0 0, 5 5 5, 0 0 0 6"
