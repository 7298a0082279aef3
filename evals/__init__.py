"""Offline evaluation of the agent over synthetic conversations (`gyde eval`): clients x caller
personas x a phrasing generator, scored per docs/evals.md."""
