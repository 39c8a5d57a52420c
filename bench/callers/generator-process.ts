// The light callers in a process of their own (forked by forked-callers.ts), so that their CPU
// is counted apart from the bench's and their 20 ms RTP clock does not wait behind the bench's
// AMI parsing. Orders come over the IPC channel; results go back the same way.
import { LightCallers, type LightCallOptions, type LightCallResult } from './light-callers.js';

export type GeneratorOrder = { op: 'place'; id: number; options: LightCallOptions } | { op: 'hangup'; id: number } | { op: 'close' };
export type GeneratorReport = { ev: 'ready' } | { ev: 'answered'; id: number } | { ev: 'result'; id: number; result: LightCallResult };

function report(message: GeneratorReport): void {
  process.send?.(message);
}

const callers = await LightCallers.open();
const callIds = new Map<number, string>();

process.on('message', (order: GeneratorOrder) => {
  if (order.op === 'place') {
    const call = callers.place(order.options, () => report({ ev: 'answered', id: order.id }));
    callIds.set(order.id, call.callId);
    void call.result.then((result) => {
      callIds.delete(order.id);
      report({ ev: 'result', id: order.id, result });
    });
  } else if (order.op === 'hangup') {
    const callId = callIds.get(order.id);
    if (callId !== undefined) callers.hangUp(callId);
  } else {
    void callers.close().then(() => process.exit(0));
  }
});
// The bench went away: so do its callers.
process.on('disconnect', () => {
  void callers.close().then(() => process.exit(0));
});
report({ ev: 'ready' });
