import { Injectable } from '@nestjs/common';
import { Partitioners } from 'kafkajs';

export type AssignmentListener = (assigned: ReadonlyMap<string, readonly number[]>) => void;

/**
 * The partitions this instance's consumer group member currently holds, by full topic name.
 * Kafka's group protocol guarantees a partition has at most one owner per generation, so
 * services shard work on it (an integration belongs to whoever holds its key's partition)
 * instead of inventing a lock. Empty while a rebalance is in progress and after stop.
 */
@Injectable()
export class PartitionAssignments {
  private current = new Map<string, readonly number[]>();
  private readonly listeners = new Set<AssignmentListener>();

  /** Partitions held of `topicName` (empty when none). */
  of(topicName: string): readonly number[] {
    return this.current.get(topicName) ?? [];
  }

  snapshot(): ReadonlyMap<string, readonly number[]> {
    return this.current;
  }

  /** Calls `listener` now and on every change; returns an unsubscribe function. */
  onChange(listener: AssignmentListener): () => void {
    this.listeners.add(listener);
    listener(this.current);
    return () => this.listeners.delete(listener);
  }

  /** From a kafkajs GROUP_JOIN payload's `memberAssignment`. */
  assign(memberAssignment: Record<string, number[]>): void {
    const next = new Map<string, readonly number[]>();
    for (const [topic, partitions] of Object.entries(memberAssignment))
      next.set(
        topic,
        [...partitions].sort((a, b) => a - b),
      );
    this.current = next;
    this.emit();
  }

  /** Rebalance started, consumer stopped or crashed: hold nothing until the next join. */
  revokeAll(): void {
    if (this.current.size === 0) return;
    this.current = new Map();
    this.emit();
  }

  private emit(): void {
    for (const listener of this.listeners) listener(this.current);
  }
}

const defaultPartitioner = Partitioners.DefaultPartitioner();

/**
 * The partition kafkajs' default (Java-compatible murmur2) partitioner gives `key` on a topic
 * of `partitions` partitions: the same one a record keyed `key` lands on.
 */
export function partitionForKey(key: string, partitions: number): number {
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
    offlineReplicas: [],
  }));
  return defaultPartitioner({ topic: 'any', partitionMetadata, message: { key, value: null } });
}
