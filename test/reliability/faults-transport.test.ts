import { afterEach, describe, expect, it } from 'vitest';
import { expectQuiet, guardProcess } from './support/guard.js';
import { JOBS, runScenario } from './support/fault-rig.js';
import { TRANSPORT_FAULTS } from './support/scenarios.js';

// The fault matrix, transport half (answers that never come, or come as errors).
// Each row: 500 jobs (singles and batches, some failing, 80 in watchAll groups,
// 20 aborted through one shared signal) over real HTTP against the simulator, in
// fake time. What each row asserts is listed in fault-rig.ts; budgets in scenarios.ts.
// Reproduce: npx vitest run test/reliability/faults-transport.test.ts
// (RELIABILITY_REPORT=file.jsonl appends each row's numbers to file.jsonl).

const noise = guardProcess();
afterEach(() => expectQuiet(noise));

describe.each(TRANSPORT_FAULTS)('fault: $name', (scenario) => {
  it(`settles all ${JOBS} watches exactly once, correctly, within budget, without polling after settle`, async () => {
    const report = await runScenario(scenario);
    expect(report.jobs).toBe(JOBS);
  }, 120_000);
});
