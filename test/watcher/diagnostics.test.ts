import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { CHANNELS, type AuthStopMessage, type PollEndMessage, type PollStartMessage, type ThrottledMessage } from '../../src/watcher/diagnostics.js';
import { track } from '../helpers/time.js';
import { useFakeWatchers } from '../helpers/watcher.js';

const setup = useFakeWatchers();
const subscriptions: [string, (message: unknown) => void][] = [];

/** Collects what one channel publishes for the duration of the test. */
function listen<T>(name: string): T[] {
  const messages: T[] = [];
  const onMessage = (message: unknown): void => {
    messages.push(message as T);
  };
  subscribe(name, onMessage);
  subscriptions.push([name, onMessage]);
  return messages;
}

afterEach(() => {
  for (const [name, onMessage] of subscriptions.splice(0)) unsubscribe(name, onMessage);
});

describe('diagnostics_channel', () => {
  it('publishes every poll start and end, with its outcome and duration, naming the watcher', async () => {
    const s = setup({}, { latency: 200 });
    const starts = listen<PollStartMessage>(CHANNELS.pollStart);
    const ends = listen<PollEndMessage>(CHANNELS.pollEnd);
    const jobId = s.jobs.add({ duration: 2_000 });
    s.jobs.fail(jobId, 'http503');
    const watch = track(s.watcher.watch(jobId));
    await s.clock.tick(10_000);

    expect(watch.value?.status).toBe('SUCCESS');
    expect(starts.map(({ watcher, jobId: id, poll }) => [watcher === s.watcher, id, poll])).toEqual([
      [true, jobId, 1],
      [true, jobId, 2],
      [true, jobId, 3],
    ]);
    expect(ends.map(({ outcome, status, durationMs, error }) => [outcome, status, durationMs, (error as Error | undefined)?.name])).toEqual([
      ['error', undefined, 200, 'HttpError'],
      ['job', 'RUNNING', 200, undefined],
      ['job', 'SUCCESS', 200, undefined],
    ]);
  });

  it('publishes a poll abandoned by its watch as such', async () => {
    const s = setup({}, { latency: 5_000 });
    const ends = listen<PollEndMessage>(CHANNELS.pollEnd);
    const controller = new AbortController();
    track(s.watcher.watch(s.jobs.add(), { signal: controller.signal }));
    await s.clock.tick(1_500);
    controller.abort();
    await s.clock.tick(10_000);
    expect(ends.map(({ outcome }) => outcome)).toEqual(['abandoned']);
  });

  it('publishes throttling pauses and the credentials stop', async () => {
    const s = setup();
    const throttled = listen<ThrottledMessage>(CHANNELS.throttled);
    const stops = listen<AuthStopMessage>(CHANNELS.authStop);
    const jobId = s.jobs.add({ duration: 60_000 });
    s.jobs.fail(jobId, { throttle: 3_000 }, 'auth');
    const watch = track(s.watcher.watch(jobId));
    await s.clock.tick(10_000);

    expect(throttled).toEqual([{ watcher: s.watcher, pause: 3_000, rate: 1, escalated: true, retryAfter: 3_000 }]);
    expect(stops).toEqual([{ watcher: s.watcher, status: 401, serviceCode: 'APIGW.0301', requestId: undefined }]);
    expect(watch.error).toMatchObject({ name: 'AuthError' });
  });
});
