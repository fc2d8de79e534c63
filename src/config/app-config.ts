import { envSchema } from './config.schema';
import type { Env, RawEnv } from './config.schema';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = ConfigError.name;
  }
}

/** Typed, validated configuration. Injected by class; built once by {@link loadConfig}. */
export class AppConfig {
  constructor(readonly env: Readonly<Env>) {}
}

/** Parses the environment; throws {@link ConfigError} naming each bad variable. */
export function loadConfig(raw: RawEnv = process.env): AppConfig {
  // Empty strings count as unset so `FOO= npm start` falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = issue.path.join('.');
        const got = raw[name];
        return `${name} ${issue.message}${got === undefined ? '' : ` (got "${got}")`}`;
      }),
    );
  }
  const env = parsed.data;
  const cross: string[] = [];
  if (env.SLOW_CONSUMER_HARD_BYTES < env.SLOW_CONSUMER_SOFT_BYTES) {
    cross.push('SLOW_CONSUMER_HARD_BYTES must be >= SLOW_CONSUMER_SOFT_BYTES');
  }
  if (env.DEFAULT_MAX_RATE > env.MAX_RATE) cross.push('DEFAULT_MAX_RATE must be <= MAX_RATE');
  if (env.CLUSTER_ROLE !== 'all' && !env.REDIS_URL) cross.push(`CLUSTER_ROLE=${env.CLUSTER_ROLE} needs REDIS_URL (a cluster is coordinated through Redis)`);
  if (env.CLUSTER_ROLE !== 'all' && !env.DATABASE_URL) cross.push(`CLUSTER_ROLE=${env.CLUSTER_ROLE} needs DATABASE_URL (every process of a cluster shares one PostgreSQL)`);
  if (cross.length) throw new ConfigError(cross);
  return new AppConfig(Object.freeze(env));
}
