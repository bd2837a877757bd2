// The flow driver: the page is given its challenge's flow (data-flow: the steps, which step
// follows which, the current one) from gateway/flows.py, and runs one handler per step.
// A handler is { wire(ctx, done), enter(ctx, step) }: `wire` attaches its forms once, `enter`
// shows it; it calls `done(form)` when its step is finished and the driver enters the step
// that follows. `ctx` is shared by the steps (ctx.shard: the shard an unlock step opened or
// the PIN step made). Adding a step to the page = a handler in steps.js; the order comes
// from the table.
import { ended } from "./ui.js";
import { gettext } from "./i18n.js";

export function runFlow({ flow, handlers, ctx }) {
  const steps = new Map(flow.steps.map((step) => [step.name, step]));

  function enter(name) {
    const step = steps.get(name);
    const handler = handlers[name];
    if (!step || !handler) {
      ended(gettext("This step cannot be shown. Go back to the app and start again."));
      return;
    }
    handler.enter(ctx, step);
  }

  for (const step of flow.steps) {
    const handler = handlers[step.name];
    if (handler && handler.wire) {
      handler.wire(ctx, (form) => {
        ctx.lastForm = form;
        enter(step.next[0]);
      });
    }
  }
  enter(flow.step);
}
