"""The phone network: places calls to personas, posts Twilio's status/AMD/recording callbacks,
fetches TwiML from our api with valid signatures and executes it verb by verb. REST updates
(hang up, redirect, new TwiML) interrupt a running call the way Twilio does."""

from __future__ import annotations

import asyncio
import logging
import xml.etree.ElementTree as ET
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from sim.callee import Callee
from sim.calls import FINAL_STATUSES, CallOptions, SimCall, SimRecording, new_sid
from sim.faults import FaultCounters, SimFaults
from sim.media_leg import LegEnd, MediaLeg
from sim.registry import NumberRegistry
from sim.webhook_client import WebhookClient, WebhookError

_logger = logging.getLogger("gyde.sim.engine")

Source = tuple[str, str]  # ("url", absolute url) | ("twiml", document)
INTERRUPTED: Source = ("interrupted", "")


class CallNotInProgress(RuntimeError):
    """Twilio error 21220: the call already ended."""


@dataclass(frozen=True)
class SimConfig:
    account_sid: str
    auth_token: str
    time_scale: float = 1.0  # scales rings, <Say>, <Pause>, gather waits (never media pacing)
    say_seconds_per_char: float = 0.06
    bridge_seconds: float = 3.0
    media_connect_timeout: float = 5.0


class SimNetwork:
    def __init__(self, config: SimConfig, registry: NumberRegistry, webhooks: WebhookClient) -> None:
        self.config = config
        self.registry = registry
        self.webhooks = webhooks
        self.calls: dict[str, SimCall] = {}
        self.recordings: dict[str, SimRecording] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._legs: dict[str, MediaLeg] = {}
        self.faults = SimFaults()
        self.injected = FaultCounters()

    # --- REST-facing ---------------------------------------------------------------------

    def create_call(self, to: str, from_: str, options: CallOptions) -> SimCall:
        call = SimCall(
            sid=new_sid("CA"),
            account_sid=self.config.account_sid,
            to=to,
            from_=from_,
            persona=self.registry.lookup(to),
            options=options,
        )
        self.calls[call.sid] = call
        self._spawn(self._run_call(call))
        return call

    def update_call(self, call: SimCall, status: str | None, url: str | None, twiml: str | None) -> None:
        if call.status in FINAL_STATUSES:
            raise CallNotInProgress(call.sid)
        if status in ("completed", "canceled"):
            call.hangup_requested = True
        elif url or twiml:
            call.redirect_to = ("url", url) if url else ("twiml", twiml or "")
        else:
            return
        leg = self._legs.get(call.sid)
        if leg is not None:
            leg.stop()  # the stream ends with a `stop` message, then the program sees the flag
        elif call.program is not None:
            call.program.cancel()

    def start_recording(
        self, call: SimCall, callback: str | None, events: tuple[str, ...], channels: int
    ) -> SimRecording:
        if call.status != "in-progress":
            raise CallNotInProgress(call.sid)
        recording = SimRecording(
            sid=new_sid("RE"),
            call_sid=call.sid,
            account_sid=call.account_sid,
            status_callback=callback,
            status_events=events,
            channels=channels,
        )
        call.recordings.append(recording)
        self.recordings[recording.sid] = recording
        call.log.append(("recording", recording.sid))
        if callback and "in-progress" in events:
            self._spawn(self._recording_callback(recording))
        return recording

    def delete_recording(self, sid: str) -> bool:
        recording = self.recordings.pop(sid, None)
        if recording is None:
            return False
        recording.deleted = True
        return True

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    # --- plumbing ------------------------------------------------------------------------

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _wait(self, seconds: float, call: SimCall | None = None) -> None:
        """Sleep `seconds` of simulated time; returns early when the call is hung up."""
        remaining = seconds * self.config.time_scale
        while remaining > 0:
            if call is not None and call.hangup_requested:
                return
            step = min(remaining, 0.05)
            await asyncio.sleep(step)
            remaining -= step
        await asyncio.sleep(0)

    def _call_params(self, call: SimCall) -> dict[str, str]:
        return {
            "AccountSid": call.account_sid,
            "ApiVersion": "2010-04-01",
            "CallSid": call.sid,
            "CallStatus": call.status,
            "Direction": "outbound-api",
            "From": call.from_,
            "To": call.to,
        }

    async def _post(self, url: str, params: dict[str, str]) -> None:
        try:
            await self.webhooks.post(url, params)
        except WebhookError as exc:
            _logger.warning("callback failed: %s", exc)

    async def _status(self, call: SimCall, event: str) -> None:
        """A status callback, when the call asked for this event (final statuses always)."""
        opts = call.options
        if not opts.status_callback:
            return
        if event not in opts.status_events and call.status not in FINAL_STATUSES:
            return
        params = self._call_params(call)
        params.update(
            {
                "SequenceNumber": str(call.sequence),
                "CallbackSource": "call-progress-events",
                "Timestamp": datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000"),
            }
        )
        if call.status in FINAL_STATUSES:
            params["CallDuration"] = str(call.duration_seconds)
            params["Duration"] = str((call.duration_seconds + 59) // 60)
        call.sequence += 1
        call.log.append(("status", call.status))
        await self._post(opts.status_callback, params)

    async def _recording_callback(self, recording: SimRecording) -> None:
        if not recording.status_callback:
            return
        params = {
            "AccountSid": recording.account_sid,
            "CallSid": recording.call_sid,
            "RecordingSid": recording.sid,
            "RecordingStatus": recording.status,
            "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/{recording.account_sid}"
            f"/Recordings/{recording.sid}",
            "RecordingChannels": str(recording.channels),
            "RecordingSource": "StartCallRecordingAPI",
            "RecordingStartTime": recording.started_at.strftime("%a, %d %b %Y %H:%M:%S +0000"),
        }
        if recording.status == "completed":
            params["RecordingDuration"] = str(max(recording.duration, 0))
        await self._post(recording.status_callback, params)

    async def _amd(self, call: SimCall) -> None:
        persona = call.persona
        machine = persona.answer == "machine"
        await self._wait(persona.machine_greeting_seconds if machine else 1.5, call)
        if call.status != "in-progress" or not call.options.amd_callback:
            return
        call.answered_by = "machine_end_beep" if machine else "human"
        call.log.append(("amd", call.answered_by))
        params = {
            "AccountSid": call.account_sid,
            "CallSid": call.sid,
            "AnsweredBy": call.answered_by,
            "MachineDetectionDuration": str(int(persona.machine_greeting_seconds * 1000)),
        }
        await self._post(call.options.amd_callback, params)

    # --- one call ------------------------------------------------------------------------

    async def _run_call(self, call: SimCall) -> None:
        try:
            persona, opts = call.persona, call.options
            call.status = "initiated"
            await self._status(call, "initiated")
            call.status = "ringing"
            await self._status(call, "ringing")
            if persona.answer == "busy":
                await self._wait(min(persona.ring_seconds, 1.0), call)
                return await self._finish(call, "busy")
            if persona.answer == "no-answer" or persona.ring_seconds >= opts.timeout:
                await self._wait(min(persona.ring_seconds, float(opts.timeout)), call)
                return await self._finish(call, "canceled" if call.hangup_requested else "no-answer")
            await self._wait(persona.ring_seconds, call)
            if call.hangup_requested:
                return await self._finish(call, "canceled")
            call.status = "in-progress"
            call.answered_at = datetime.now(UTC)
            await self._status(call, "answered")
            if opts.machine_detection and opts.async_amd:
                self._spawn(self._amd(call))
            source: Source = ("url", opts.url) if opts.url else ("twiml", opts.twiml or "<Response/>")
            await self._run_program(call, source)
            await self._finish(call, "completed")
        except asyncio.CancelledError:
            raise
        except Exception:
            _logger.exception("simulated call %s failed", call.sid)
            await self._finish(call, "failed")

    async def _run_program(self, call: SimCall, source: Source | None) -> None:
        while source is not None and not call.hangup_requested:
            call.redirect_to = None
            task = asyncio.ensure_future(self._execute_source(call, source))
            call.program = task
            await asyncio.wait({task})
            call.program = None
            if task.cancelled() or task.result() == INTERRUPTED:
                if call.hangup_requested:
                    return
                source = call.redirect_to
                continue
            source = task.result()

    async def _finish(self, call: SimCall, status: str) -> None:
        call.status = status
        call.ended_at = datetime.now(UTC)
        for recording in call.recordings:
            if recording.status == "in-progress" and not recording.deleted:
                recording.status = "completed"
                recording.duration = call.duration_seconds
                if recording.status_callback:
                    await self._recording_callback(recording)
        await self._status(call, "completed")
        call.done.set()

    async def _execute_source(self, call: SimCall, source: Source) -> Source | None:
        kind, value = source
        base_url = value if kind == "url" else (call.options.url or "")
        try:
            body = await self.webhooks.fetch_twiml(value, self._call_params(call)) if kind == "url" else value
            call.last_twiml = body
            root = ET.fromstring(body)
        except (WebhookError, ET.ParseError) as exc:
            call.log.append(("error", f"application error: {type(exc).__name__}"))
            return None
        if root.tag != "Response":
            call.log.append(("error", "TwiML root is not <Response>"))
            return None
        for verb in root:
            outcome = await self._verb(call, verb, base_url)
            if call.hangup_requested or call.redirect_to is not None:
                return INTERRUPTED
            if outcome is not _CONTINUE:
                return outcome  # type: ignore[return-value]
        return None

    async def _verb(self, call: SimCall, verb: ET.Element, base_url: str) -> object:
        tag = verb.tag
        if tag == "Say":
            text = (verb.text or "").strip()
            call.log.append(("say", text))
            await self._wait(len(text) * self.config.say_seconds_per_char, call)
        elif tag == "Pause":
            await self._wait(float(verb.get("length", "1")), call)
        elif tag == "Gather":
            return await self._gather(call, verb, base_url)
        elif tag == "Redirect":
            return ("url", urljoin(base_url, (verb.text or "").strip()))
        elif tag == "Hangup":
            call.log.append(("hangup", ""))
            return None
        elif tag == "Connect":
            return await self._connect(call, verb, base_url)
        elif tag == "Dial":
            return await self._dial(call, verb, base_url)
        else:
            call.log.append(("unsupported", tag))
        return _CONTINUE

    async def _gather(self, call: SimCall, verb: ET.Element, base_url: str) -> object:
        for child in verb:
            if child.tag in ("Say", "Pause"):
                await self._verb(call, child, base_url)
        inputs = verb.get("input", "dtmf").split()
        answer = "" if call.persona.answer == "machine" else call.persona.gather_answer(call.gathers)
        call.gathers += 1
        params = self._call_params(call)
        if answer.isdigit() and "dtmf" in inputs:
            params["Digits"] = answer[: int(verb.get("numDigits", "99"))]
        elif answer and "speech" in inputs:
            params["SpeechResult"] = answer
            params["Confidence"] = "0.92"
        else:
            await self._wait(float(verb.get("timeout", "5")), call)
            if verb.get("actionOnEmptyResult") != "true":
                call.log.append(("gather", "(no input)"))
                return _CONTINUE
        call.log.append(("gather", params.get("Digits") or params.get("SpeechResult") or "(no input)"))
        action = urljoin(base_url, verb.get("action") or base_url)
        return await self._fetch_next(action, params)

    async def _fetch_next(self, url: str, params: dict[str, str]) -> Source | None:
        try:
            return ("twiml", await self.webhooks.fetch_twiml(url, params))
        except WebhookError:
            return None

    async def _connect(self, call: SimCall, verb: ET.Element, base_url: str) -> object:
        stream = verb.find("Stream")
        if stream is None or not stream.get("url"):
            call.log.append(("error", "<Connect> without <Stream url>"))
            return None
        parameters = {p.get("name", ""): p.get("value", "") for p in stream.findall("Parameter")}
        callee = Callee(call.persona)
        leg = MediaLeg(
            stream.get("url", ""),
            call.sid,
            call.account_sid,
            parameters,
            callee,
            connect_timeout=self.config.media_connect_timeout,
        )
        self._legs[call.sid] = leg
        call.log.append(("stream", "start"))
        try:
            end = await leg.run()
        finally:
            self._legs.pop(call.sid, None)
            call.transcript.extend(callee.transcript)
        call.log.append(("stream-marks", str(len(leg.marks_echoed))))
        call.log.append(("stream-clears", str(leg.clears)))
        call.log.append(("stream", end.value))
        if end in (LegEnd.CALLEE_HUNG_UP, LegEnd.FAILED):
            return None
        if end is LegEnd.STOPPED:
            return INTERRUPTED
        if verb.get("action"):
            return await self._fetch_next(urljoin(base_url, verb.get("action", "")), self._call_params(call))
        return _CONTINUE

    async def _dial(self, call: SimCall, verb: ET.Element, base_url: str) -> object:
        """A warm transfer: the broker leg hears the whisper, then the legs are bridged."""
        number_el = verb.find("Number")
        number = ((number_el.text if number_el is not None else verb.text) or "").strip()
        whisper_url = number_el.get("url") if number_el is not None else None
        timeout = float(verb.get("timeout", "30"))
        child_sid = new_sid("CA")
        try:
            broker_answer = self.registry.lookup(number).answer
        except ValueError:  # an unparseable number or an unknown persona never answers
            broker_answer = "no-answer"
        answers = broker_answer == "human"
        call.log.append(("dial", "broker"))
        if answers:
            await self._wait(1.0, call)
            if whisper_url:
                params = self._call_params(call) | {
                    "CallSid": child_sid,
                    "ParentCallSid": call.sid,
                    "To": number,
                    "Direction": "outbound-dial",
                }
                try:
                    whisper = ET.fromstring(
                        await self.webhooks.fetch_twiml(urljoin(base_url, whisper_url), params)
                    )
                    for say in whisper.iter("Say"):
                        call.log.append(("whisper", (say.text or "").strip()))
                except (WebhookError, ET.ParseError):
                    call.log.append(("error", "whisper failed"))
            call.log.append(("bridge", "connected"))
            await self._wait(self.config.bridge_seconds, call)
            dial_status = "completed"
        elif broker_answer == "busy":
            await self._wait(1.0, call)
            dial_status = "busy"
        else:
            await self._wait(timeout, call)
            dial_status = "no-answer"
        call.log.append(("dial-result", dial_status))
        action = verb.get("action")
        if not action:
            return _CONTINUE
        params = self._call_params(call) | {
            "DialCallStatus": dial_status,
            "DialCallSid": child_sid,
            "DialCallDuration": str(int(self.config.bridge_seconds)) if answers else "0",
        }
        return await self._fetch_next(urljoin(base_url, action), params)


_CONTINUE = object()
