import { afterEach, describe, expect, it } from 'vitest';
import { expectQuiet, guardProcess } from './support/guard.js';
import { JOBS, runScenario } from './support/fault-rig.js';
import { ANSWER_FAULTS } from './support/scenarios.js';

// The fault matrix, answer half (bodies, statuses, visibility and clocks the watcher must not trust).
// Each row: 500 jobs (singles and batches, some failing, 80 in watchAll groups,
// 20 aborted through one shared signal) over real HTTP against the simulator, in
// fake time. What each row asserts is listed in fault-rig.ts; budgets in scenarios.ts.
// Reproduce: npx vitest run test/reliability/faults-answers.test.ts
// (RELIABILITY_REPORT=file.jsonl appends each row's numbers to file.jsonl).

const noise = guardProcess();
afterEach(() => expectQuiet(noise));

describe.each(ANSWER_FAULTS)('fault: $name', (scenario) => {
  it(`settles all ${JOBS} watches exactly once, correctly, within budget, without polling after settle`, async () => {
    const report = await runScenario(scenario);
    expect(report.jobs).toBe(JOBS);
  }, 120_000);
});
