import { parseArgs } from 'node:util';
import { EXIT, streamUrl, UsageError } from './common';
import type { ExitCode } from './common';

export const KEYS_HELP = `bidtape keys create --name acme --scopes feed:read[,bid:write,auction:write,feed:publish] [--publish-symbols ACME,XYZ]
bidtape keys list
bidtape keys revoke <id>

Partner API keys, through the admin API of the server (/v1/admin/keys). The key itself is printed
once, at creation; give it to the partner (X-Api-Key header or ?api_key=).

  --admin-token <t>    the server's ADMIN_TOKEN [BIDTAPE_ADMIN_TOKEN]
  --http <url>         the server's HTTP address (default: derived from --url)
  --url <ws url>       stream endpoint [BIDTAPE_URL] (default ws://localhost:3000/v1/stream)
  --name <name>        create: who the key is for
  --scopes <list>      create: any of feed:read, bid:write, auction:write, feed:publish
  --publish-symbols <list>  create, with feed:publish: the symbols the key may publish
  -h, --help           this help

Exit code: 0 done; 2 keys are not available (the server has no admin API - ADMIN_TOKEN unset -
or refuses the admin token, or none was given); 1 any other error.`;

class Refused extends Error {}

export async function keys(args: string[]): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      http: { type: 'string' },
      'admin-token': { type: 'string' },
      name: { type: 'string' },
      scopes: { type: 'string' },
      'publish-symbols': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(KEYS_HELP);
    return EXIT.ok;
  }
  const [action, id, ...extra] = positionals;
  if (!action || extra.length > 0 || !['create', 'list', 'revoke'].includes(action) || (action === 'revoke') !== Boolean(id)) {
    throw new UsageError(`usage:\n${KEYS_HELP.split('\n\n')[0]}`);
  }
  const adminToken = values['admin-token'] ?? process.env.BIDTAPE_ADMIN_TOKEN;
  if (!adminToken) {
    console.error('bidtape: partner API keys are managed with the server\'s admin token: pass --admin-token or set BIDTAPE_ADMIN_TOKEN');
    return EXIT.refused;
  }
  const http = (values.http ?? streamUrl(values).replace(/^ws/, 'http').replace(/\/v1\/stream.*$/, '')).replace(/\/$/, '');
  const call = async (method: string, path: string, body?: unknown): Promise<string> => {
    const response = await fetch(`${http}/v1/admin/keys${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status === 401 || response.status === 403) throw new Refused(`the admin API refused (${response.status}): ${text}`);
    if (!response.ok) throw new Error(`the admin API answered ${response.status}: ${text}`);
    return text;
  };
  try {
    if (action === 'create') {
      if (!values.name || !values.scopes) throw new UsageError('keys create needs --name and --scopes');
      const publishSymbols = values['publish-symbols']?.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
      const scopes = values.scopes.split(',').map((s) => s.trim());
      if (publishSymbols && !scopes.includes('feed:publish')) throw new UsageError('--publish-symbols goes with the feed:publish scope');
      console.log(await call('POST', '', { name: values.name, scopes, ...(publishSymbols ? { publishSymbols } : {}) }));
    } else if (action === 'list') {
      console.log(await call('GET', ''));
    } else {
      await call('DELETE', `/${encodeURIComponent(id)}`);
      console.log(JSON.stringify({ revoked: id }));
    }
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof Refused)) throw error;
    console.error(`bidtape: partner API keys are not available: ${error.message}`);
    return EXIT.refused;
  }
}
