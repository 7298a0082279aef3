"""Local adapters that are product code (`make demo`, offline use) and keep their state in our
database: the CRM, the email outbox and broker calendars. They implement the ports in
adapters/<service>/base.py; they live under db/ because adapters depend on the domain and
their vendor's SDK only (docs/architecture.md)."""
