import json

import pytest

from media_server import protocol


def test_connected():
    assert protocol.parse(protocol.connected_message()) == protocol.Connected("Call", "1.0.0")


def test_start_with_custom_parameters():
    event = protocol.parse(protocol.start_message("MZ123", "CA456", {"token": "t", "workflow_id": "w"}))
    assert isinstance(event, protocol.Start)
    assert (event.stream_sid, event.call_sid) == ("MZ123", "CA456")
    assert event.custom_parameters == {"token": "t", "workflow_id": "w"}
    assert (event.encoding, event.sample_rate, event.channels) == ("audio/x-mulaw", 8000, 1)


def test_start_from_twilio_docs_shape():
    raw = {
        "event": "start",
        "sequenceNumber": "1",
        "start": {
            "accountSid": "ACxx",
            "streamSid": "MZ18ad3ab5a668481ce02b83e7395059f0",
            "callSid": "CA2a5f1d7e3e",
            "tracks": ["inbound"],
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            "customParameters": {"FirstName": "Jane"},
        },
        "streamSid": "MZ18ad3ab5a668481ce02b83e7395059f0",
    }
    event = protocol.parse(json.dumps(raw))
    assert isinstance(event, protocol.Start)
    assert event.custom_parameters == {"FirstName": "Jane"}


def test_media_round_trip():
    event = protocol.parse(protocol.inbound_media_message("MZ1", 3, 2, 40, b"\x01\x02\xff"))
    assert event == protocol.Media(payload=b"\x01\x02\xff", track="inbound", chunk=2, timestamp=40)


def test_mark_dtmf_stop():
    assert protocol.parse(protocol.inbound_mark_message("MZ1", "u3")) == protocol.Mark("u3")
    assert protocol.parse(protocol.dtmf_message("MZ1", "1")) == protocol.Dtmf("1")
    assert protocol.parse(protocol.stop_message("MZ1", "CA9")) == protocol.Stop("CA9")
    assert protocol.parse('{"event":"stop"}') == protocol.Stop("")


@pytest.mark.parametrize("raw", ["{not json", "", b"\xff\xfe", "[1,2]", '"media"'])
def test_malformed_json(raw):
    with pytest.raises(protocol.MalformedJSON):
        protocol.parse(raw)


@pytest.mark.parametrize("payload", ["not base64!!", "YW=J", "YQ", 5, None])
def test_bad_base64(payload):
    raw = json.dumps({"event": "media", "media": {"payload": payload}})
    with pytest.raises((protocol.BadPayload, protocol.MissingField)):
        protocol.parse(raw)


def test_bad_base64_is_bad_payload():
    with pytest.raises(protocol.BadPayload):
        protocol.parse(json.dumps({"event": "media", "media": {"payload": "@@@@"}}))


def test_unknown_event():
    with pytest.raises(protocol.UnknownEvent):
        protocol.parse('{"event":"hello"}')


@pytest.mark.parametrize(
    "raw",
    [
        "{}",
        '{"event":"media"}',
        '{"event":"mark","mark":{}}',
        '{"event":"dtmf"}',
        '{"event":"start","start":{"streamSid":"MZ1"}}',
        '{"event":"start"}',
    ],
)
def test_missing_fields(raw):
    with pytest.raises(protocol.MissingField):
        protocol.parse(raw)


def test_start_rejects_odd_stream_sid_and_params():
    with pytest.raises(protocol.ProtocolError):
        protocol.parse(protocol.start_message('MZ"1', "CA1", {}))
    raw = json.loads(protocol.start_message("MZ1", "CA1", {}))
    raw["start"]["customParameters"] = ["x"]
    with pytest.raises(protocol.ProtocolError):
        protocol.parse(json.dumps(raw))


def test_outbound_messages_are_twilio_shaped():
    media = json.loads(protocol.media_message("MZ1", protocol.b64(b"\xff\x00")))
    assert media == {"event": "media", "streamSid": "MZ1", "media": {"payload": "/wA="}}
    assert json.loads(protocol.mark_message("MZ1", "u1")) == {
        "event": "mark",
        "streamSid": "MZ1",
        "mark": {"name": "u1"},
    }
    assert json.loads(protocol.clear_message("MZ1")) == {"event": "clear", "streamSid": "MZ1"}


def test_parse_outbound():
    assert protocol.parse_outbound(protocol.media_message("MZ1", protocol.b64(b"ab"))) == protocol.OutMedia(
        b"ab"
    )
    assert protocol.parse_outbound(protocol.mark_message("MZ1", "u1")) == protocol.OutMark("u1")
    assert protocol.parse_outbound(protocol.clear_message("MZ1")) == protocol.OutClear()
    with pytest.raises(protocol.UnknownEvent):
        protocol.parse_outbound('{"event":"stop"}')
