// The gateway page: runs the challenge's flow (data-flow, from gateway/flows.py) with the
// step handlers of steps.js.
import { runFlow } from "./flow.js";
import { handlers } from "./steps.js";
import { root } from "./ui.js";

const data = root.dataset;
runFlow({
  flow: JSON.parse(data.flow),
  handlers,
  ctx: { challengeId: data.challengeId, customerId: data.customerId, data, shard: null, lastForm: null },
});
