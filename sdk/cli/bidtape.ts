/**
 * The bidtape command-line tool: tail the feed, place a bid, manage partner API keys.
 * `bidtape --help`, or `npm run cli -- --help` in this repository.
 */
import { bid, BID_HELP } from './bid';
import { EXIT, UsageError } from './common';
import type { ExitCode } from './common';
import { keys, KEYS_HELP } from './keys';
import { record, RECORD_HELP } from './record';
import { replay, REPLAY_HELP } from './replay';
import { tail, TAIL_HELP } from './tail';

const COMMANDS: Record<string, { run: (args: string[]) => Promise<ExitCode>; help: string }> = {
  tail: { run: tail, help: TAIL_HELP },
  bid: { run: bid, help: BID_HELP },
  keys: { run: keys, help: KEYS_HELP },
  record: { run: record, help: RECORD_HELP },
  replay: { run: replay, help: REPLAY_HELP },
};

const USAGE = `bidtape <command> [options]

Commands:
  tail    subscribe to prices and auctions, print decoded updates (JSON lines or a live table)
  bid     place a bid and print the answer (exit 0 accepted, 2 rejected)
  keys    create, list and revoke partner API keys (admin API)
  record  record live quotes and trades to a file
  replay  publish a recording into a server (as a publisher)

bidtape <command> --help (or bidtape help <command>) for its options.`;

async function main(argv: string[]): Promise<ExitCode> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    console.error(USAGE);
    return EXIT.error;
  }
  if (command === '--help' || command === '-h') {
    console.log(USAGE);
    return EXIT.ok;
  }
  if (command === 'help') {
    console.log(COMMANDS[rest[0] ?? '']?.help ?? USAGE);
    return EXIT.ok;
  }
  const entry = COMMANDS[command];
  if (!entry) throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
  return entry.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => exit(code),
  (error: unknown) => {
    console.error(`bidtape: ${error instanceof Error ? error.message : String(error)}`);
    exit(EXIT.error);
  },
);

/** Lets output drain and sockets close; a lingering handle does not keep the tool alive. */
function exit(code: ExitCode): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 1000).unref();
}
