import { CliError, EXIT, fetchOrUnavailable, httpBase, parseCommandLine, UsageError } from './common';
import type { ExitCode } from './common';
import { columns } from './format';

const SCOPES = ['feed:read', 'bid:write', 'auction:write', 'feed:publish'];

export const KEYS_USAGE = `bidtape keys create --name acme --scopes feed:read[,bid:write,auction:write,feed:publish] [--publish-symbols ACME,XYZ] [--json]
bidtape keys list [--json]
bidtape keys revoke <id> [--json]`;

export const KEYS_HELP = `${KEYS_USAGE}

Partner API keys, through the admin API of the server (/v1/admin/keys). The key itself is printed
once, at creation (on stdout, the "key" line); give it to the partner (X-Api-Key header or
?api_key=). The output is for people: the new key's fields one per line, a table of keys, or the
revoked id; --json prints what the admin API answered (the new key's record with "key", the list,
{"revoked": id}).

  --admin-token <t>    the server's ADMIN_TOKEN [BIDTAPE_ADMIN_TOKEN]
  --http <url>         the server's HTTP address (default: derived from --url)
  --url <ws url>       stream endpoint [BIDTAPE_URL] (default ws://localhost:3000/v1/stream)
  --name <name>        create: who the key is for
  --scopes <list>      create: any of ${SCOPES.join(', ')}
  --publish-symbols <list>  create, with feed:publish: the symbols the key may publish
  --json               the admin API's answer as JSON
  -h, --help           this help

Exit code: 0 done; 2 the admin API refused the admin token (or the server has no admin API:
ADMIN_TOKEN unset there); 1 any other answer of the admin API (an unknown key id...); 64 usage
(no admin token given...); 69 cannot connect.`;

/** What the admin API says of a key (src/auth/api-keys.service.ts ApiKeyRecord). */
interface KeyRecord {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  publishSymbols?: string[];
  createdAt: string;
  revokedAt: string | null;
  key?: string;
}

const list = (items: string[] | undefined) => (items && items.length > 0 ? items.join(',') : '-');

function keyTable(records: KeyRecord[]): string {
  const rows = records.map((k) => [k.id, k.name, k.prefix, list(k.scopes), list(k.publishSymbols), k.createdAt, k.revokedAt ?? '-']);
  return columns([['ID', 'NAME', 'PREFIX', 'SCOPES', 'SYMBOLS', 'CREATED', 'REVOKED'], ...rows]);
}

function createdKey(k: KeyRecord): string {
  const fields: [string, string][] = [['key', k.key ?? ''], ['id', k.id], ['name', k.name], ['scopes', list(k.scopes)], ['symbols', list(k.publishSymbols)], ['created', k.createdAt]];
  return fields.map(([name, value]) => `${name.padEnd(8)}${value}`).join('\n');
}

export async function keys(args: string[]): Promise<ExitCode> {
  const { values, positionals } = parseCommandLine({
    args,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      http: { type: 'string' },
      'admin-token': { type: 'string' },
      name: { type: 'string' },
      scopes: { type: 'string' },
      'publish-symbols': { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const [action, id, ...extra] = positionals;
  if (!action) throw new UsageError('keys needs an action: create, list or revoke');
  if (!['create', 'list', 'revoke'].includes(action)) throw new UsageError(`unknown action "${action}"`);
  if (action === 'revoke' && !id) throw new UsageError('keys revoke needs the key id');
  if (extra.length > 0 || (action !== 'revoke' && id)) throw new UsageError(`unexpected argument "${extra[0] ?? id}"`);
  const adminToken = values['admin-token'] || process.env.BIDTAPE_ADMIN_TOKEN;
  if (!adminToken) throw new UsageError('partner API keys are managed with the server\'s admin token: pass --admin-token or set BIDTAPE_ADMIN_TOKEN');
  const endpoint = `${httpBase(values)}/v1/admin/keys`;
  const call = async (method: string, path: string, body?: unknown): Promise<string> => {
    const response = await fetchOrUnavailable(`${endpoint}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status === 401 || response.status === 403) {
      throw new CliError(`partner API keys are not available: the admin API refused (${response.status}): ${text}`, EXIT.rejected);
    }
    if (!response.ok) throw new CliError(`the admin API answered ${response.status}: ${text}`, EXIT.error);
    return text;
  };

  if (action === 'create') {
    if (!values.name || !values.scopes) throw new UsageError('keys create needs --name and --scopes');
    const publishSymbols = values['publish-symbols']?.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
    const scopes = values.scopes.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = scopes.filter((s) => !SCOPES.includes(s));
    if (unknown.length > 0 || scopes.length === 0) throw new UsageError(`--scopes takes any of ${SCOPES.join(', ')} (got "${values.scopes}")`);
    if (publishSymbols && !scopes.includes('feed:publish')) throw new UsageError('--publish-symbols goes with the feed:publish scope');
    const answer = await call('POST', '', { name: values.name, scopes, ...(publishSymbols ? { publishSymbols } : {}) });
    if (values.json) {
      console.log(answer);
    } else {
      console.log(createdKey(JSON.parse(answer) as KeyRecord));
      console.error('# the key is shown this once: give it to the partner (X-Api-Key header or ?api_key=)');
    }
  } else if (action === 'list') {
    const answer = await call('GET', '');
    const records = JSON.parse(answer) as KeyRecord[];
    if (values.json) console.log(answer);
    else if (records.length > 0) console.log(keyTable(records));
    else console.error('# no keys');
  } else {
    await call('DELETE', `/${encodeURIComponent(id)}`);
    console.log(values.json ? JSON.stringify({ revoked: id }) : `revoked ${id}`);
  }
  return EXIT.ok;
}
