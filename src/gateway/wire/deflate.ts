import { constants, deflateRawSync } from 'node:zlib';

export interface DeflateSettings {
  /** Payloads smaller than this go uncompressed; tiny frames only grow when deflated. */
  thresholdBytes: number;
  level: number;
  memLevel: number;
}

const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/**
 * Compresses one whole message for permessage-deflate without context takeover: a fresh
 * raw deflate stream ended by a sync flush whose empty-block trailer is removed
 * (RFC 7692 §7.2.1). With no shared context the output depends only on the payload and
 * the window size, so one result serves every client that negotiated that window.
 */
export function deflateMessage(payload: Uint8Array, windowBits: number, settings: DeflateSettings): Buffer {
  const out = deflateRawSync(payload, {
    windowBits,
    level: settings.level,
    memLevel: settings.memLevel,
    finishFlush: constants.Z_SYNC_FLUSH,
  });
  const end = out.length - 4;
  return end >= 0 && out.subarray(end).equals(TRAILER) ? out.subarray(0, end) : out;
}
