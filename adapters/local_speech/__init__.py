"""Local speech: G.711 mu-law and the simulator's in-band FSK codec, plus STT/TTS providers speaking it."""
