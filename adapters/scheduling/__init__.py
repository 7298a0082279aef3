"""scheduling adapters: a Protocol, a local implementation and the vendor one."""
