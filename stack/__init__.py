"""The whole system on one machine, as child processes: what `gyde dev`, `gyde demo`, the
end-to-end tests and `gyde chaos` start and supervise."""
