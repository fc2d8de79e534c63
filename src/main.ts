import 'reflect-metadata';
import { ConfigError, loadConfig } from './config/app-config';
import { startPlatform } from './platform';
import { createProcessLogger, describeStartupFailure, PinoNestLogger } from './logging/process-logger';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  let platform;
  try {
    platform = await startPlatform(config);
  } catch (error) {
    new PinoNestLogger(createProcessLogger(config.env.LOG_LEVEL === 'silent' ? 'fatal' : config.env.LOG_LEVEL)).fatal(describeStartupFailure(error), error);
    process.exit(1);
  }
  console.log(`bidtape listening on ${platform.url} (WebSocket ${platform.url.replace('http', 'ws')}/v1/stream)`);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal} received, shutting down`);
    platform.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
