/**
 * Recordings of a feed (docs/recording.md): a gzip stream of length-delimited
 * `bidtape.v1.RecordEntry` messages, a header first. Node only (files and zlib); not part of the
 * browser bundle.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGunzip, createGzip } from 'node:zlib';
import type { Gzip } from 'node:zlib';
import { bidtape } from './generated/bidtape';

const pb = bidtape.v1;
export const RECORDING_VERSION = 1;
export type RecordingHeader = bidtape.v1.RecordingHeader;
export type RecordedItem = bidtape.v1.RecordedItem;

/** Appends entries to a recording file; `close()` flushes and finishes the gzip stream. */
export class RecordingWriter {
  private readonly gzip: Gzip;
  private readonly file: WriteStream;
  items = 0;

  private constructor(path: string) {
    this.gzip = createGzip();
    this.file = createWriteStream(path);
    this.gzip.pipe(this.file);
  }

  static create(path: string, header: bidtape.v1.IRecordingHeader): RecordingWriter {
    const writer = new RecordingWriter(path);
    writer.entry({ header: { version: RECORDING_VERSION, ...header } });
    return writer;
  }

  write(item: bidtape.v1.IRecordedItem): void {
    this.entry({ item });
    this.items++;
  }

  async close(): Promise<void> {
    this.gzip.end();
    await once(this.file, 'close');
  }

  private entry(entry: bidtape.v1.IRecordEntry): void {
    this.gzip.write(pb.RecordEntry.encodeDelimited(entry).finish());
  }
}

/** Reads a recording: its header, then its items in order (streamed, not loaded whole). */
export async function openRecording(path: string): Promise<{ header: RecordingHeader; items: AsyncGenerator<RecordedItem> }> {
  const entries = readEntries(path);
  const first = await entries.next();
  if (first.done || !first.value.header) throw new Error(`${path}: not a bidtape recording (no header)`);
  const header = first.value.header as RecordingHeader;
  if (header.version !== RECORDING_VERSION) throw new Error(`${path}: recording version ${header.version}, this reader knows ${RECORDING_VERSION}`);
  async function* items(): AsyncGenerator<RecordedItem> {
    for await (const entry of entries) if (entry.item) yield entry.item as RecordedItem;
  }
  return { header, items: items() };
}

async function* readEntries(path: string): AsyncGenerator<bidtape.v1.RecordEntry> {
  let buffer: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(path).pipe(createGunzip())) {
    buffer = buffer.length === 0 ? (chunk as Buffer) : Buffer.concat([buffer, chunk as Buffer]);
    let offset = 0;
    for (;;) {
      const length = readVarint(buffer, offset);
      if (!length || offset + length.bytes + length.value > buffer.length) break;
      const start = offset + length.bytes;
      yield pb.RecordEntry.decode(buffer.subarray(start, start + length.value));
      offset = start + length.value;
    }
    buffer = buffer.subarray(offset);
  }
  if (buffer.length > 0) throw new Error(`${path}: the recording ends in the middle of an entry`);
}

function readVarint(buffer: Buffer, offset: number): { value: number; bytes: number } | null {
  let value = 0;
  for (let i = 0; i < 5 && offset + i < buffer.length; i++) {
    value += (buffer[offset + i] & 0x7f) * 2 ** (7 * i);
    if (buffer[offset + i] < 0x80) return { value, bytes: i + 1 };
  }
  return null;
}

/**
 * When each recorded item is due in a replay: pure pacing. The first item at or after `fromUs`
 * (the seek point; null: the start) is due at once; each later one after the recorded gap,
 * divided by `speed` ('max': all at once). Items before the seek point are skipped (null).
 */
export function replayPlan(speed: number | 'max', fromUs: number | null) {
  let originUs: number | null = null;
  return {
    max: speed === 'max',
    dueAfterMs(receivedUs: number): number | null {
      if (fromUs !== null && receivedUs < fromUs) return null;
      originUs ??= receivedUs;
      return speed === 'max' ? 0 : Math.max(0, (receivedUs - originUs) / 1000 / speed);
    },
  };
}
