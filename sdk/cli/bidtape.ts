/**
 * The bidtape command-line tool: tail the feed, place a bid, manage partner API keys, record and
 * replay. Compiled to sdk/dist/cli.js (`npm run sdk:build`); `npm run cli -- --help` here.
 */
import manifest from '../package.json';
import { BidtapeError } from '../src/index';
import { bid, BID_HELP, BID_USAGE } from './bid';
import { CliError, EXIT, EXIT_HELP, UsageError } from './common';
import type { ExitCode } from './common';
import { errorCodeName } from './format';
import { keys, KEYS_HELP, KEYS_USAGE } from './keys';
import { record, RECORD_HELP, RECORD_USAGE } from './record';
import { replay, REPLAY_HELP, REPLAY_USAGE } from './replay';
import { tail, TAIL_HELP, TAIL_USAGE } from './tail';

interface Command {
  run: (args: string[]) => Promise<ExitCode>;
  /** The synopsis, printed with a usage error. */
  usage: string;
  help: string;
}

const COMMANDS: Record<string, Command> = {
  tail: { run: tail, usage: TAIL_USAGE, help: TAIL_HELP },
  bid: { run: bid, usage: BID_USAGE, help: BID_HELP },
  keys: { run: keys, usage: KEYS_USAGE, help: KEYS_HELP },
  record: { run: record, usage: RECORD_USAGE, help: RECORD_HELP },
  replay: { run: replay, usage: REPLAY_USAGE, help: REPLAY_HELP },
};

/** Printed after a usage error of the tool itself, and when run with no arguments. */
const USAGE = `usage: bidtape <command> [options]

Commands:
  tail    subscribe to prices and auctions, print decoded updates (JSON lines or a live table)
  bid     place a bid in the auction's currency and print the outcome
  keys    create, list and revoke partner API keys (admin API)
  record  record live quotes and trades to a file
  replay  publish a recording into a server (as a publisher)

bidtape <command> --help (or bidtape help <command>) for its options.`;

const HELP = `${USAGE}
bidtape --version (-V) prints the version (${manifest.version}).

Data goes to stdout, messages to stderr; --json where a command's output is structured.

${EXIT_HELP}`;

/** Everything before a `--` (after it, "-h" is a value, not a request for help). */
const wantsHelp = (args: string[]) => args.slice(0, args.includes('--') ? args.indexOf('--') : undefined).some((a) => a === '-h' || a === '--help');

/** The usage of a command, or of the tool, as printed after a usage error. */
function usageOf(command: string | undefined): string {
  const entry = command === undefined ? undefined : COMMANDS[command];
  if (!entry) return USAGE;
  const [first, ...more] = entry.usage.split('\n');
  return [`usage: ${first}`, ...more.map((line) => `       ${line}`), `See 'bidtape ${command} --help'.`].join('\n');
}

async function main(argv: string[]): Promise<ExitCode> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    console.error(USAGE);
    return EXIT.usage;
  }
  if (command === '--help' || command === '-h') {
    console.log(HELP);
    return EXIT.ok;
  }
  if (command === '--version' || command === '-V') {
    console.log(manifest.version);
    return EXIT.ok;
  }
  if (command === 'help') {
    const topic = rest[0];
    if (topic === undefined) console.log(HELP);
    else if (COMMANDS[topic]) console.log(COMMANDS[topic].help);
    else throw new UsageError(`unknown command "${topic}"`);
    return EXIT.ok;
  }
  const entry = COMMANDS[command];
  if (!entry) throw new UsageError(`unknown command "${command}"`);
  if (wantsHelp(rest)) {
    console.log(entry.help);
    return EXIT.ok;
  }
  return entry.run(rest);
}

const argv = process.argv.slice(2);
main(argv).then(exit, (error: unknown) => {
  if (error instanceof UsageError) {
    // The command's usage, unless the command itself is what is wrong.
    const command = argv[0] === 'help' ? undefined : argv[0];
    console.error(`bidtape: ${error.message}\n\n${usageOf(command)}`);
    return exit(error.exitCode);
  }
  const message = error instanceof Error ? error.message : String(error);
  // A server's Error answer (an unknown auction...) with its protocol code.
  const code = error instanceof BidtapeError && error.serverCode !== undefined ? ` (${errorCodeName(error.serverCode)})` : '';
  console.error(`bidtape: ${message}${code}`);
  if (process.env.BIDTAPE_DEBUG && error instanceof Error && !(error instanceof CliError)) console.error(error.stack);
  exit(error instanceof CliError ? error.exitCode : EXIT.error);
});

/** Lets output drain and sockets close; a lingering handle does not keep the tool alive. */
function exit(code: ExitCode): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 1000).unref();
}
