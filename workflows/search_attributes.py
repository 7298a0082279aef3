"""Search attribute keys (ids and enums only, never PHI); registered by `gyde dev` and tests."""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

CAMPAIGN_ID = SearchAttributeKey.for_keyword("CampaignId")
CLIENT_STAGE = SearchAttributeKey.for_keyword("ClientStage")
OUTCOME = SearchAttributeKey.for_keyword("Outcome")
BROKER_ID = SearchAttributeKey.for_keyword("BrokerId")
ATTEMPT = SearchAttributeKey.for_int("Attempt")
NEXT_CALL_AT = SearchAttributeKey.for_datetime("NextCallAt")

ALL_KEYS = (CAMPAIGN_ID, CLIENT_STAGE, OUTCOME, BROKER_ID, ATTEMPT, NEXT_CALL_AT)
