import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, HttpAdapterHost } from '@nestjs/core';
import { Queue } from 'bullmq';
import type { Server } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { sql } from '../database/sql';

/** Job states reported by `parley_jobs`. */
const JOB_STATES = ['waiting', 'active', 'delayed', 'completed', 'failed'] as const;

/** What a subscription's stream reports about itself: opened once, closed once however it ends. */
export interface SubscriptionMetrics {
  opened(): void;
  closed(): void;
}

/** What a {@link SessionEventStream} reports about itself. */
export interface StreamMetrics extends SubscriptionMetrics {
  /** A live message reached a subscriber on this instance; `sentAt` is when it was stored. */
  delivered(sentAt: Date): void;
}

/**
 * Prometheus metrics of this API process (`GET /metrics`, text format of prom-client), in one registry
 * per application (two instances in one test process do not mix):
 *
 * - `parley_websocket_connections` — open WebSocket connections (gauge)
 * - `parley_subscriptions{operation}` — running GraphQL subscriptions (`sessionEvents`, `queueUpdated`)
 * - `parley_messages_total{sender_role}` — messages stored through this instance (counter; `rate()` = messages/s)
 * - `parley_message_delivery_seconds` — from a message being stored to its live delivery to a subscriber
 *   on this instance, seconds (histogram; PostgreSQL's clock against this process's)
 * - `parley_queue_waiting` — chat sessions in the waiting queue, all instances (read from PostgreSQL at scrape)
 * - `parley_jobs{queue, state}` — BullMQ jobs per queue and state, `failed` included (read from Redis at scrape)
 * - Node.js process metrics with the `parley_` prefix (CPU, memory, event-loop lag, GC)
 */
@Injectable()
export class MetricsService implements OnApplicationBootstrap {
  readonly registry = new Registry();

  private readonly connections = new Gauge({ name: 'parley_websocket_connections', help: 'Open WebSocket connections.', registers: [this.registry] });
  private readonly subscriptions = new Gauge({
    name: 'parley_subscriptions',
    help: 'Running GraphQL subscriptions.',
    labelNames: ['operation'],
    registers: [this.registry],
  });
  private readonly messages = new Counter({
    name: 'parley_messages_total',
    help: 'Messages stored through this instance.',
    labelNames: ['sender_role'],
    registers: [this.registry],
  });
  private readonly delivery = new Histogram({
    name: 'parley_message_delivery_seconds',
    help: 'Seconds from a message being stored to its live delivery to a subscriber on this instance.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  constructor(
    private readonly em: EntityManager,
    private readonly adapterHost: HttpAdapterHost,
    private readonly discovery: DiscoveryService,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'parley_' });
    const orm = this.em;
    new Gauge({
      name: 'parley_queue_waiting',
      help: 'Chat sessions in the waiting queue (all instances).',
      registers: [this.registry],
      async collect() {
        const rows = await sql<{ waiting: string }>(orm.fork(), `SELECT count(*) AS waiting FROM chat_session WHERE status = 'WAITING'`);
        this.set(Number(rows[0].waiting));
      },
    });
    const queues = () => this.queues();
    new Gauge({
      name: 'parley_jobs',
      help: 'Background jobs per BullMQ queue and state.',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const queue of queues()) {
          const counts = await queue.getJobCounts(...JOB_STATES);
          for (const state of JOB_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
        }
      },
    });
  }

  /** Counts WebSocket connections from the HTTP server's upgrades. */
  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    server?.on('upgrade', (_request, socket: NodeJS.EventEmitter) => {
      this.connections.inc();
      socket.once('close', () => this.connections.dec());
    });
  }

  /** One stored message (`sender_role`: VISITOR, OPERATOR or SYSTEM). */
  messageStored(senderRole: string): void {
    this.messages.inc({ sender_role: senderRole });
  }

  /** Hooks for one `sessionEvents` stream. */
  sessionStream(): StreamMetrics {
    return {
      opened: () => this.subscriptions.inc({ operation: 'sessionEvents' }),
      closed: () => this.subscriptions.dec({ operation: 'sessionEvents' }),
      delivered: (sentAt) => this.delivery.observe(Math.max(0, Date.now() - sentAt.getTime()) / 1000),
    };
  }

  /** Hooks for one `queueUpdated` stream. */
  queueStream(): SubscriptionMetrics {
    return {
      opened: () => this.subscriptions.inc({ operation: 'queueUpdated' }),
      closed: () => this.subscriptions.dec({ operation: 'queueUpdated' }),
    };
  }

  /**
   * The Prometheus text exposition.
   * @throws a collector's error (the queue length's query, the job counts' Redis commands); an outage of
   *   PostgreSQL or Redis is answered 503 `SERVICE_UNAVAILABLE` in one log line (`ServiceUnavailableFilter`).
   */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private queues(): Queue[] {
    return this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is Queue => instance instanceof Queue);
  }
}
