"""Tests of the business-system adapters (Calendly, Salesforce, SMTP) against local fakes."""
