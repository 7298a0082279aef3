import asyncio
from tests.workflows.test_campaign import running_world, scripts, start, spec, cid, CAMPAIGN, CampaignWorkflow, ClientOutreachWorkflow, outreach_workflow_id, campaign_workflow_id, EventType

async def test_dbg(time_env, sqlite_db):
    database = sqlite_db
    async with running_world(time_env.client, database, scripts({}), clients=5) as world:
        handle = await start(world, spec(page_size=2, max_concurrent_calls=2))
        try:
            summary = await asyncio.wait_for(handle.result(), 20)
            print("OK", summary)
            return
        except asyncio.TimeoutError:
            pass
        desc = await handle.describe()
        print("RUN", desc.run_id, desc.status)
        async for wf in world.client.list_workflows():
            print("WF", wf.id, wf.run_id, wf.status)
        for i in []:
            h = world.client.get_workflow_handle_for(ClientOutreachWorkflow.run, outreach_workflow_id(CAMPAIGN, cid(i)))
            try:
                print("CHILD", i, await h.query(ClientOutreachWorkflow.status))
            except Exception as e:
                print("CHILD", i, "ERR", e)
        async for wf in world.client.list_workflows("WorkflowType='CampaignWorkflow'"):
            pass
        hist = await world.client.get_workflow_handle(campaign_workflow_id(CAMPAIGN)).fetch_history()
        for e in hist.events:
            print(e.event_id, EventType.Name(e.event_type), e.workflow_task_failed_event_attributes.failure.message if e.workflow_task_failed_event_attributes.failure.message else "", e.workflow_execution_signaled_event_attributes.signal_name)
        assert False
