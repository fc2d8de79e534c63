import { Logger } from '@nestjs/common';
import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EVENT_SCOPE } from '../events/event-bus';
import type { DomainEvents, EventBus, EventName, RemoteEventSink } from '../events/event-bus';
import type { RedisService } from './redis.service';

interface EventsMessage {
  origin: string;
  events: [EventName, unknown][];
}

/**
 * Carries cluster-scoped domain events between processes over one Redis channel: what one
 * event-loop turn emits leaves in one publish. Delivery is at most once: an event lost to a
 * Redis outage is recovered from PostgreSQL, the log of record (auction watchers notice the
 * seq gap or catch up when Redis returns).
 */
export class RemoteEventsService implements RemoteEventSink, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RemoteEventsService.name);
  private queue: [EventName, unknown][] = [];
  private flushScheduled = false;
  droppedEvents = 0;

  constructor(
    private readonly redis: RedisService,
    private readonly events: EventBus,
  ) {}

  onModuleInit(): void {
    this.events.attachRemote(this);
    this.redis.listen(this.redis.keys.eventsChannel, (message) => this.onMessage(message));
    let first = true;
    this.redis.onUp(() => {
      if (!first) this.events.emit('cluster.events.resumed', { since: Date.now() });
      first = false;
    });
  }

  onModuleDestroy(): void {
    this.events.attachRemote(undefined);
  }

  forward<K extends EventName>(name: K, payload: DomainEvents[K]): void {
    this.queue.push([name, payload]);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    const message: EventsMessage = { origin: this.redis.nodeId, events: this.queue };
    this.queue = [];
    this.redis.command.publish(this.redis.keys.eventsChannel, JSON.stringify(message)).catch((error: Error) => {
      this.droppedEvents += message.events.length;
      this.logger.warn(`${message.events.length} cluster events not published: ${error.message}`);
    });
  }

  private onMessage(data: Buffer): void {
    let message: EventsMessage;
    try {
      message = JSON.parse(data.toString()) as EventsMessage;
    } catch {
      this.logger.warn('malformed message on the events channel');
      return;
    }
    if (message.origin === this.redis.nodeId || !Array.isArray(message.events)) return;
    for (const [name, payload] of message.events) {
      if (EVENT_SCOPE[name] !== 'cluster') continue; // only events meant to cross
      this.events.receive(name, payload as DomainEvents[typeof name]);
    }
  }
}
