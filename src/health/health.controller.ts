import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { ConnectionRegistry } from '../gateway/connection-registry.service';

const DATABASE_CHECK_TIMEOUT_MS = 2000;

@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly connections: ConnectionRegistry,
  ) {}

  /** Liveness and readiness: 200 when the database answers, 503 when it does not. */
  @Get()
  async check(@Res() response: Response): Promise<void> {
    const database = await this.databaseUp();
    response.status(database ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).json({
      status: database ? 'ok' : 'degraded',
      database: database ? 'up' : 'down',
      connections: this.connections.size,
      uptimeSeconds: Math.round(process.uptime()),
    });
  }

  private async databaseUp(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), DATABASE_CHECK_TIMEOUT_MS)));
    try {
      return await Promise.race([this.dataSource.query('SELECT 1').then(() => true), timeout]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}
