"""TwiML documents, as pure functions of ids and settings (twilio's VoiceResponse builder).
Nothing private is ever spoken here: the disclosure and voicemail carry no client data."""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from adapters.telephony.urls import TwilioUrls

DISCLOSURE = (
    "Hello, this is Emma, an A.I. assistant calling on behalf of your insurance broker. "
    "This call may be recorded for quality and compliance."
)
CONSENT_PROMPT = "Is it okay to continue? Please say yes or press 1. To end the call, say no or press 2."
CONSENT_REPROMPT = (
    "Sorry, I didn't catch that. To continue, say yes or press 1. To end the call, say no or press 2."
)
GOODBYE = "No problem. Thank you for your time. Goodbye."
TRANSFER_FAILED = (
    "I'm sorry, I couldn't reach your broker right now. "
    "They will call you back, and you will get an email with the time. Thank you, goodbye."
)
WHISPER = (
    "Gyde transfer: a client from your outreach campaign asked to speak with you about their "
    "coverage. Connecting you now."
)
LANGUAGE = "en-US"
GATHER_TIMEOUT_SECONDS = 5
MAX_CONSENT_ATTEMPTS = 2
# <Parameter> names the media server reads from the stream's `start.customParameters`.
WORKFLOW_ID_PARAM = "workflow_id"
STREAM_TOKEN_PARAM = "token"


def spoken_digits(e164: str) -> str:
    """'+15005550006' -> '5 0 0, 5 5 5, 0 0 0 6' so a number is read digit by digit."""
    digits = [c for c in e164 if c.isdigit()]
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    groups = ["".join(digits[:3]), "".join(digits[3:6]), "".join(digits[6:])]
    return ", ".join(" ".join(g) for g in groups if g)


def _consent_gather(
    response: VoiceResponse, urls: TwilioUrls, workflow_id: str, attempt: int, prompt: str
) -> None:
    gather = response.gather(
        input="speech dtmf",
        num_digits=1,
        action=urls.consent(workflow_id, attempt),
        method="POST",
        timeout=GATHER_TIMEOUT_SECONDS,
        speech_timeout="auto",
        language=LANGUAGE,
        hints="yes, no",
        action_on_empty_result=True,
    )
    gather.say(prompt, language=LANGUAGE)


def answer_twiml(urls: TwilioUrls, workflow_id: str) -> str:
    """Disclosure outside <Gather> (Twilio cannot barge into it), then the consent question."""
    response = VoiceResponse()
    response.say(DISCLOSURE, language=LANGUAGE)
    _consent_gather(response, urls, workflow_id, 1, CONSENT_PROMPT)
    return str(response)


def reprompt_twiml(urls: TwilioUrls, workflow_id: str, attempt: int) -> str:
    response = VoiceResponse()
    _consent_gather(response, urls, workflow_id, attempt, CONSENT_REPROMPT)
    return str(response)


def goodbye_twiml(message: str = GOODBYE) -> str:
    response = VoiceResponse()
    response.say(message, language=LANGUAGE)
    response.hangup()
    return str(response)


def stream_twiml(media_stream_url: str, workflow_id: str, stream_token: str) -> str:
    """Bidirectional <Connect><Stream> (inbound track, the only one a bidirectional stream has)."""
    response = VoiceResponse()
    connect = response.connect()
    stream = connect.stream(url=media_stream_url)
    stream.parameter(name=WORKFLOW_ID_PARAM, value=workflow_id)
    stream.parameter(name=STREAM_TOKEN_PARAM, value=stream_token)
    return str(response)


def voicemail_twiml(callback_number: str) -> str:
    """A name and a callback number only: no client name, plan or reason for the call."""
    response = VoiceResponse()
    response.pause(length=1)
    response.say(
        "Hello, this is Emma, an A.I. assistant with Gyde, calling on behalf of your insurance broker. "
        f"Please call us back at {spoken_digits(callback_number)}. Thank you, goodbye.",
        language=LANGUAGE,
    )
    response.hangup()
    return str(response)


def whisper_twiml() -> str:
    """Played to the broker alone before the bridge: one sentence, no client data."""
    response = VoiceResponse()
    response.say(WHISPER, language=LANGUAGE)
    return str(response)


def hangup_twiml() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)
