/**
 * Makes the client harness inflate each distinct compressed message once. With permessage-
 * deflate and no server context takeover a compressed message depends only on its bytes, and a
 * fan-out sends the same bytes to every client (bidtape deflates a message once; `ws` deflates
 * it per client, but to the same bytes). Without this, 1,000 clients inflating on one core
 * (`ws` on the libuv pool, ~100 µs each here) cap what the bench can count far below what the
 * servers send, and the deflate phase would measure the harness. Each client still receives
 * and frames every byte, and the decoded messages are the ones `ws` would hand over.
 * Only unfragmented messages are remembered (a later fragment depends on the earlier ones).
 */
import path from 'node:path';

type Inflated = (error: Error | null, result?: Buffer) => void;
interface PerMessageDeflateLike {
  params: Record<string, unknown>;
  decompress: (this: PerMessageDeflateLike, data: Buffer, fin: boolean, callback: Inflated) => void;
}

const MEMO_SIZE = 256;

export function inflateEachMessageOnce(): void {
  // ws exports no path to the extension; its prototype is what every connection uses.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const extension = require(path.join(path.dirname(require.resolve('ws')), 'lib', 'permessage-deflate.js')) as { prototype: PerMessageDeflateLike };
  const inflate = extension.prototype.decompress;
  // An entry is the inflated message, or the callbacks waiting for the first inflate of it: a
  // fan-out's copies arrive together, before that first inflate is back from the pool.
  const memo = new Map<string, Buffer | Inflated[]>();
  const midMessage = new WeakSet<PerMessageDeflateLike>();
  extension.prototype.decompress = function (this: PerMessageDeflateLike, data, fin, callback) {
    const remember = fin && !midMessage.has(this) && this.params.server_no_context_takeover === true;
    if (!fin) midMessage.add(this);
    else midMessage.delete(this);
    if (!remember) return inflate.call(this, data, fin, callback);
    const key = data.toString('latin1');
    const known = memo.get(key);
    if (Buffer.isBuffer(known)) {
      // Asynchronously, as ws's own inflate answers: its receiver loop expects that.
      process.nextTick(callback, null, known);
      return;
    }
    if (known) {
      known.push(callback);
      return;
    }
    const waiting: Inflated[] = [callback];
    if (memo.size >= MEMO_SIZE) memo.delete(memo.keys().next().value!);
    memo.set(key, waiting);
    inflate.call(this, data, fin, (error, result) => {
      if (!error && result) memo.set(key, result);
      else memo.delete(key);
      for (const waiter of waiting) waiter(error, result);
    });
  };
}
