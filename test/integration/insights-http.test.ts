import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chat, copyKnowledge, type RunningApp, startApp } from '../helpers/app.js';

const TOKEN = 'insights-admin-token';

async function api(
  run: RunningApp,
  path: string,
  token: string | null = TOKEN,
  init: { method?: string; body?: unknown } = {},
) {
  const res = await fetch(`${run.url}/api/console/insights${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(init.body ? { 'content-type': 'application/json' } : {}),
    },
    ...(init.body ? { body: JSON.stringify(init.body) } : {}),
  });
  const type = res.headers.get('content-type') ?? '';
  return {
    status: res.status,
    type,
    body: type.startsWith('application/json') ? await res.json() : await res.text(),
  };
}

describe('insights over HTTP (in-process stores)', () => {
  let run: RunningApp;
  const ids: string[] = [];
  beforeAll(async () => {
    const kb = copyKnowledge();
    run = await startApp({
      KNOWLEDGE_DIR: kb.knowledgeDir,
      INDEX_DIR: kb.indexDir,
      ADMIN_TOKEN: TOKEN,
      REDIS_URL: '',
      OPENAI_API_KEY: '',
    });
    const questions = [
      'How long do refunds take? email me at jane.doe@example.com',
      'What are the marketplace fees?',
      'asdkjh qwoeiu zzxq',
    ];
    for (const [i, message] of questions.entries()) {
      const r = await chat(run.url, {
        message,
        conversationId: `insights-test-conversation-${i}-${Date.now()}`,
      });
      ids.push(r.done().answerId as string);
    }
    const fb = await fetch(`${run.url}/api/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ answerId: ids[0], rating: 'down', reason: 'Outdated' }),
    });
    expect(fb.status).toBeLessThan(300);
    await fetch(`${run.url}/api/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ answerId: ids[1], rating: 'up' }),
    });
  }, 120_000);
  afterAll(async () => {
    await run?.close();
  });

  it('is behind ADMIN_TOKEN', async () => {
    expect((await api(run, '/dashboard', null)).status).toBe(401);
    expect((await api(run, '/dashboard', 'wrong')).status).toBe(401);
  });

  it('dashboard figures equal the records created', async () => {
    const { status, body } = await api(run, '/dashboard?period=7');
    expect(status).toBe(200);
    const records = await Promise.all(ids.map((id) => run.app.stores.answers.get(id)));
    expect(body.totals.questions).toBe(3);
    const byCat = body.totals.byCategory as Record<string, number>;
    expect(Object.values(byCat).reduce((a, b) => a + b, 0)).toBe(3);
    const escalated = records.filter((r) => r?.decision === 'escalate' && r.via !== 'cache').length;
    expect(byCat.escalated).toBe(escalated);
    expect(body.totals.thumbsDown).toBe(1);
    expect(body.totals.thumbsUp).toBe(1);
    expect(body.totals.thumbsUpRate).toBe(0.5);
    expect(body.totals.downReasons).toEqual({ outdated: 1 });
    expect(body.days).toHaveLength(7);
    expect((body.perDay.answered as number[]).at(-1)).toBe(byCat.answered);
    const spaces = (await api(run, '/spaces')).body.spaces as string[];
    expect(spaces.length).toBeGreaterThan(0);
    const one = await api(run, `/dashboard?period=30&space=${encodeURIComponent(spaces[0] as string)}`);
    expect(one.body.totals.questions).toBe(3);
    expect((await api(run, '/dashboard?space=nope&period=7')).body.totals.questions).toBe(0);
  });

  it('rejects a bad period or format with a clear error', async () => {
    const bad = await api(run, '/dashboard?period=8');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/7, 30 or 90/);
    expect((await api(run, '/export?format=xml')).status).toBe(400);
  });

  it('exports CSV and JSONL that round-trip, PII scrubbed unless raw', async () => {
    const csv = await api(run, '/export?format=csv');
    expect(csv.status).toBe(200);
    const rows = parse(csv.body as string, { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => r.id).sort()).toEqual([...ids].sort());
    const first = rows.find((r) => r.id === ids[0]);
    expect(first?.question).not.toContain('jane.doe@example.com');
    expect(first?.feedback).toBe('down');
    expect(first?.feedbackReason).toBe('Outdated');

    const jsonl = await api(run, '/export?format=jsonl');
    const lines = (jsonl.body as string)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    // Same rows either way: CSV strings equal the JSONL values as text.
    for (const line of lines) {
      const row = rows.find((r) => r.id === line.id) as Record<string, string>;
      for (const [k, v] of Object.entries(line)) expect(row[k]).toBe(v === null ? '' : String(v));
    }
    const raw = await api(run, '/export?format=jsonl&raw=true');
    expect(raw.body as string).toContain('jane.doe@example.com');
    const past = await api(run, '/export?format=jsonl&from=2020-01-01&to=2020-01-02');
    expect(past.body).toBe('');
  });

  it('exports conversations (one row per conversation, its turns) as CSV and JSONL, scrubbed unless raw', async () => {
    const jsonl = await api(run, '/export?kind=conversations&format=jsonl');
    expect(jsonl.status).toBe(200);
    const convs = (jsonl.body as string)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const records = await Promise.all(ids.map((id) => run.app.stores.answers.get(id)));
    expect(convs.map((c) => c.conversationKey).sort()).toEqual(records.map((r) => r?.conversationKey).sort());
    for (const c of convs) {
      const r = records.find((x) => x?.conversationKey === c.conversationKey);
      expect(c.turns.map((t: { answerId: string }) => t.answerId)).toEqual([r?.id]);
      expect(c.turns[0].decision).toBe(r?.decision);
    }
    expect(jsonl.body as string).not.toContain('jane.doe@example.com');
    const csv = await api(run, '/export?kind=conversations&format=csv');
    const rows = parse(csv.body as string, { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => r.conversationKey).sort()).toEqual(convs.map((c) => c.conversationKey).sort());
    for (const row of rows) {
      const c = convs.find((x) => x.conversationKey === row.conversationKey);
      expect(row.turnCount).toBe(String(c.turns.length));
      expect(row.transcript).toContain(`Q: ${c.turns[0].question}`);
    }
    const raw = await api(run, '/export?kind=conversations&format=jsonl&raw=true');
    expect(raw.body as string).toContain('jane.doe@example.com');
    expect((await api(run, '/export?kind=tickets')).status).toBe(400);
  });

  it('review queue: a 👎 answer gets the right answer saved as knowledge, which the copilot then uses', async () => {
    const queue = await api(run, '/review');
    expect(queue.status).toBe(200);
    const items = queue.body.items as Array<Record<string, unknown>>;
    expect(items.map((i) => i.answerId)).toEqual([ids[0]]);
    expect(items[0]).toMatchObject({ reason: 'Outdated', reviewed: false });
    expect(items[0]?.question).toContain('refunds');

    const empty = await api(run, `/review/${ids[0]}`, TOKEN, { method: 'POST', body: { text: '  ' } });
    expect(empty.status).toBe(400);
    const unknown = await api(run, '/review/a_nope', TOKEN, { method: 'POST', body: { text: 'x' } });
    expect(unknown.status).toBe(404);

    const right = 'Refunds reach the buyer within 42 days of approval. Call 415-555-0199 for help.';
    const saved = await api(run, `/review/${ids[0]}`, TOKEN, {
      method: 'POST',
      body: { text: right, agent: 'ana' },
    });
    expect(saved.status).toBe(200);
    const file = saved.body.saved.file as string;
    expect(file).toMatch(/answers\/r_a_\w+\.md$/);
    expect(saved.body.saved.job.status).toBe('succeeded');
    expect((await api(run, '/review')).body.items[0].reviewed).toBe(true);

    const list = (await api(run, '/saved-answers')).body.answers as Array<Record<string, string>>;
    const mine = list.find((a) => a.file === file);
    expect(mine?.answer).toContain('42 days');
    expect(mine?.answer).not.toContain('415-555-0199');
    expect(mine?.question).not.toContain('jane.doe@example.com');

    const again = await chat(run.url, {
      message: 'How long do refunds take?',
      conversationId: `insights-test-conversation-again-${Date.now()}`,
    });
    expect(again.text()).toContain('42 days');

    const edited = await api(run, '/saved-answers', TOKEN, {
      method: 'PUT',
      body: { file, text: 'Refunds reach the buyer within 9 days of approval.' },
    });
    expect(edited.status).toBe(200);
    expect(edited.body.saved.file).toBe(file);
    const after = (await api(run, '/saved-answers')).body.answers as Array<Record<string, string>>;
    expect(after.find((a) => a.file === file)?.answer).toContain('9 days');

    expect((await api(run, '/saved-answers?file=../x.md', TOKEN, { method: 'DELETE' })).status).toBe(400);
    const del = await api(run, `/saved-answers?file=${encodeURIComponent(file)}`, TOKEN, {
      method: 'DELETE',
    });
    expect(del.status).toBe(200);
    const gone = (await api(run, '/saved-answers')).body.answers as Array<Record<string, string>>;
    expect(gone.some((a) => a.file === file)).toBe(false);
  }, 60_000);
});
