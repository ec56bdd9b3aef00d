import { randomBytes } from 'node:crypto';
import { type RunningService, startService } from '@airis/service';
import { SecretBox } from '@airis/security';
import { type TestContext, createTestContext, pollUntil } from '@airis/testing';
import { type ConfigChange, ConfigStore } from './config-store';
import { ConfigStoreModule } from './config-store.module';

/* Two service instances following airis.config.v1 on the real broker. */
describe('ConfigStore', () => {
  let ctx: TestContext;
  const running: RunningService[] = [];
  const masterKey = randomBytes(32).toString('base64');

  const start = async (kinds?: string[]): Promise<ConfigStore> => {
    const service = await startService({
      name: 'config-int',
      defaultPort: 0,
      imports: [ConfigStoreModule.forRoot(kinds ? { kinds } : {})],
      env: ctx.serviceEnv({ AIRIS_MASTER_KEY: masterKey }),
    });
    running.push(service);
    return service.app.get(ConfigStore);
  };

  beforeAll(async () => {
    ctx = createTestContext('config-store');
    await ctx.createTopics();
  });

  afterAll(async () => {
    for (const s of running) await s.close();
    await ctx.cleanup();
  });

  it('applies writes locally before put resolves, follows them live elsewhere, and loads them at start', async () => {
    const a = await start();
    const b = await start(['rule']);
    const seen: ConfigChange[] = [];
    b.watch('rule', (change) => {
      seen.push(change);
    });

    const box = running[0]!.app.get(SecretBox);
    const created = await a.put('rule', 'cpu-high', { threshold: 90, token: box.seal('t0ken') }, { actor: 'alice' });
    expect(created.revision).toBe(1);
    expect(a.get('rule', 'cpu-high')?.spec).toMatchObject({ threshold: 90 });
    await a.put('receiver', 'slack', { url: 'https://hooks.example.test/x' });
    const updated = await a.put('rule', 'cpu-high', { threshold: 95 }, { expectedRevision: 1 });
    expect(updated.revision).toBe(2);
    await expect(a.put('rule', 'cpu-high', { threshold: 1 }, { expectedRevision: 1 })).rejects.toThrow(/revision 2/);

    await pollUntil(() => b.get('rule', 'cpu-high')?.revision === 2, { timeoutMs: 20_000 });
    expect(b.get('receiver', 'slack')).toBeUndefined(); // kinds filter
    expect(seen.map((c) => `${c.type}:${c.id}`)).toEqual(['upsert:cpu-high', 'upsert:cpu-high']);

    expect(await a.delete('rule', 'cpu-high')).toBe(true);
    expect(await a.delete('rule', 'cpu-high')).toBe(false);
    await pollUntil(() => b.get('rule', 'cpu-high') === undefined, { timeoutMs: 20_000 });
    expect(seen.at(-1)?.type).toBe('delete');

    await a.put('rule', 'gpu-mem', { threshold: 80, token: box.seal('s3cret') });
    const c = await start();
    // Start-up waits for the end of the topic: no polling needed.
    expect(c.list('rule').map((r) => r.id)).toEqual(['gpu-mem']);
    expect(c.get('receiver', 'slack')?.revision).toBe(1);
    const token = c.get<{ token: unknown }>('rule', 'gpu-mem')?.spec.token;
    expect(running[2]!.app.get(SecretBox).reveal(token)).toBe('s3cret');
  });

  it('skips a malformed record and keeps following', async () => {
    const store = running[0]!.app.get(ConfigStore);
    await ctx.produce('config', [{ key: 'rule/bad', value: '{"not":"a config record"}' }]);
    const ok = await store.put('rule', 'after-bad', { threshold: 1 });
    expect(ok.revision).toBe(1);
    expect(store.get('rule', 'bad')).toBeUndefined();
  });
});
