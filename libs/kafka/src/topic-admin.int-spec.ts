import { createTestContext } from '@airis/testing';
import type { Admin } from 'kafkajs';
import { ensureTopics, waitUntilServed } from './topic-admin';
import { TopicNames } from './topic-names';

/*
 * Topic set-up on the real broker, as services do it when they start together: one creates the
 * registry's topics, the others find them listed and must not go on before each one serves.
 */
const ctx = createTestContext('topic-admin');
const admins: Admin[] = [];

async function connectedAdmin(): Promise<Admin> {
  const admin = ctx.kafka.admin();
  await admin.connect();
  admins.push(admin);
  return admin;
}

afterAll(async () => {
  for (const admin of admins) await admin.disconnect();
  await ctx.cleanup();
});

describe('ensureTopics and waitUntilServed (real broker)', () => {
  it('lets a second service wait until the topics the first one is creating serve offsets', async () => {
    const [creator, waiter] = await Promise.all([connectedAdmin(), connectedAdmin()]);
    const creating = ensureTopics(creator, ctx.topics, 1);
    // The waiter does not create: it sees nothing, then topics without leaders, then served ones.
    await Promise.all([creating, waitUntilServed(waiter, ctx.topics)]);
    expect(await creating).toHaveLength(ctx.topics.all().length);
    for (const { name } of ctx.topics.all()) {
      const offsets = await waiter.fetchTopicOffsets(name);
      expect(offsets.length).toBeGreaterThan(0);
    }
  });

  it('is quick once the topics serve, and creating again creates nothing', async () => {
    const admin = await connectedAdmin();
    await expect(ensureTopics(admin, ctx.topics, 1)).resolves.toEqual([]);
    await expect(waitUntilServed(admin, ctx.topics, 1)).resolves.toBeUndefined();
  });

  it('names the missing topics when they do not appear in time', async () => {
    const admin = await connectedAdmin();
    const absent = new TopicNames(`${ctx.namespace}absent.`);
    const error = await waitUntilServed(admin, absent, 800).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/^topics not ready after 800 ms; missing: /);
    for (const { name } of absent.all()) expect(error?.message).toContain(name);
  });
});
