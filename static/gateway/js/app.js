// The gateway page: runs the challenge's flow (data-flow, from gateway/flows.py) with the
// step handlers of steps.js (those of the wallet steps loaded only when the flow has them).
import { runFlow } from "./flow.js";
import { handlersFor } from "./steps.js";
import { root } from "./ui.js";

const data = root.dataset;
const flow = JSON.parse(data.flow);
runFlow({
  flow,
  handlers: await handlersFor(flow),
  ctx: { challengeId: data.challengeId, customerId: data.customerId, data, shard: null, lastForm: null },
});
