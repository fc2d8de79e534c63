import { Controller, Get, HttpStatus, Optional, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { ClusterStatus } from '../cluster/cluster-status';
import { ConnectionRegistry } from '../gateway/connection-registry.service';

const DATABASE_CHECK_TIMEOUT_MS = 2000;

/**
 * Liveness (`/health/live`: the process answers), readiness (`/health/ready`: it should get
 * traffic — PostgreSQL answers, Redis is reachable in a cluster, not draining) and `/health`,
 * the summary with every component, whose status code is readiness's.
 */
@ApiExcludeController()
@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cluster: ClusterStatus,
    @Optional() private readonly connections?: ConnectionRegistry,
  ) {}

  @Get()
  async summary(@Res() response: Response): Promise<void> {
    const report = await this.report();
    response.status(report.ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).json(report.body);
  }

  @Get('live')
  live(@Res() response: Response): void {
    response.status(HttpStatus.OK).json({ status: 'ok' });
  }

  @Get('ready')
  async ready(@Res() response: Response): Promise<void> {
    const report = await this.report();
    response.status(report.ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).json({ status: report.ready ? 'ready' : 'not ready', reasons: report.reasons });
  }

  private async report() {
    const database = await this.databaseUp();
    const redis = this.cluster.redisUp();
    const draining = this.connections?.draining ?? false;
    const feed = this.cluster.feedHealth();
    const reasons: string[] = [];
    if (!database) reasons.push('database unreachable');
    if (!redis) reasons.push('Redis unreachable');
    if (draining) reasons.push('draining');
    const ready = reasons.length === 0;
    return {
      ready,
      reasons,
      body: {
        status: ready ? (feed && feed.state === 'stale' ? 'degraded' : 'ok') : 'degraded',
        database: database ? 'up' : 'down',
        ...(this.cluster.mode === 'cluster'
          ? {
              cluster: {
                node: this.cluster.nodeId,
                role: this.cluster.role,
                redis: redis ? 'up' : 'down',
                activeFeed: this.cluster.isActiveFeed(),
                feed: feed ? (feed.state === 'live' ? 'live' : `stale: ${feed.reason}`) : null,
              },
            }
          : {}),
        draining,
        connections: this.connections?.size ?? 0,
        uptimeSeconds: Math.round(process.uptime()),
      },
    };
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
