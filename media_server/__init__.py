"""The live call: Twilio Media Streams, turn-taking, barge-in, STT -> agent -> TTS (DESIGN.md)."""
