import { afterEach } from 'vitest';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';

/**
 * Starts simulators on 127.0.0.1, port 0, and closes every one of them after each test.
 * Call once at the top of a test file.
 */
export function useSimulators(): (options?: SimulatorOptions) => Promise<Simulator> {
  const running: Simulator[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((simulator) => simulator.close()));
  });
  return async (options) => {
    const simulator = await startSimulator({ host: '127.0.0.1', port: 0, ...options });
    running.push(simulator);
    return simulator;
  };
}
