import { type TopicId, type TopicSpec, TOPICS, allTopicSpecs, dlqName } from '@airis/contracts';

/** Resolves registry ids to full topic names under an optional namespace prefix. */
export class TopicNames {
  constructor(readonly namespace = '') {}

  of(id: TopicId): string {
    return this.namespace + TOPICS[id].name;
  }

  dlqOf(id: TopicId): string {
    return dlqName(this.of(id));
  }

  /** The registry entry behind a full topic name, if it is one of ours. */
  specOf(topicName: string): { id: TopicId; spec: TopicSpec } | undefined {
    for (const [id, spec] of Object.entries(TOPICS) as [TopicId, TopicSpec][]) {
      if (this.namespace + spec.name === topicName) return { id, spec };
    }
    return undefined;
  }

  /** Every topic of the registry plus its DLQ, with the settings to create it. */
  all(): { name: string; spec: TopicSpec; dlq: boolean }[] {
    return allTopicSpecs().flatMap((spec) => [
      { name: this.namespace + spec.name, spec, dlq: false },
      { name: dlqName(this.namespace + spec.name), spec, dlq: true },
    ]);
  }
}
