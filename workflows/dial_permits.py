"""The dial-permit contract between a client workflow and its campaign.

Every dial (first try, retry, callback) needs a permit, so the campaign can cap live calls and
pace dials. A client asks with `request_dial(client_id, seq)`; the campaign answers with the
`dial_permit` signal carrying the same `seq`; the client gives the slot back with
`release_dial(client_id, seq)` when its call ends or when it withdraws the request (the calling
window closed, the client opted out, the campaign stopped). `seq` grows with every request, so a
late answer to a withdrawn request is never mistaken for a grant. A client that ends reports
`client_finished`, which also frees anything it still held; a client whose last call ends its
lifecycle keeps that slot through its follow-ups and gives it back with this report, carrying
the call's result (one signal instead of a release and a report).

A client started outside a campaign (tests, `gyde chat`) has no parent: it dials freely.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.workflow import ExternalWorkflowHandle

with workflow.unsafe.imports_passed_through():
    from domain.enums import Outcome
    from domain.messages import ClientFinished, DialPermitRelease, DialPermitRequest
    from workflows import campaign as campaign_wf


def _campaign() -> ExternalWorkflowHandle[campaign_wf.CampaignWorkflow] | None:
    parent = workflow.info().parent
    if parent is None:
        return None
    return workflow.get_external_workflow_handle_for(campaign_wf.CampaignWorkflow.run, parent.workflow_id)


async def request(client_id: str, seq: int, callback: bool = False) -> bool:
    """Ask for a slot; False when there is no campaign to ask (the caller may dial at once).
    `callback`: the client asked for this call, so the campaign serves it first."""
    campaign = _campaign()
    if campaign is None:
        return False
    await campaign.signal(
        campaign_wf.CampaignWorkflow.request_dial, DialPermitRequest(client_id, seq, callback)
    )
    return True


async def release(client_id: str, seq: int, call_result: str = "") -> None:
    """Give the slot back; `call_result` (how the call ended) feeds the campaign's breakers."""
    campaign = _campaign()
    if campaign is not None:
        release = DialPermitRelease(client_id, seq, call_result)
        await campaign.signal(campaign_wf.CampaignWorkflow.release_dial, release)


async def report_finished(client_id: str, outcome: Outcome, call_result: str = "") -> None:
    """`call_result`: the last call's result when this report also gives back its slot."""
    campaign = _campaign()
    if campaign is not None:
        await campaign.signal(
            campaign_wf.CampaignWorkflow.client_finished, ClientFinished(client_id, outcome, call_result)
        )
