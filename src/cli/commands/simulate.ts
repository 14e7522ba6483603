import { ENV } from '../../client/auth/credentials.js';
import { systemClock } from '../../clock/clock.js';
import { seededRandom } from '../../clock/seeded-random.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../simulator/index.js';
import type { SimulateConfig } from '../args.js';
import { drawJob } from '../demo-scene.js';
import { EXIT, type ExitCode, type StopSignal } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { onStopSignals } from '../signals.js';
import { UsageError } from '../usage-error.js';

/**
 * `evs-jobs simulate`: serves the EVS simulator until SIGINT or SIGTERM, with
 * `jobs` jobs of a realistic mix already running (real time: volume jobs take
 * 10–60 s). Enforces AK/SK when HUAWEICLOUD_SDK_AK/SK are set. Everything it
 * prints is an id file: `#` comment lines, then one job id per line.
 */
export async function runSimulate(config: SimulateConfig, io: CliIo): Promise<ExitCode> {
  const accessKey = io.env[ENV.accessKey];
  const secretKey = io.env[ENV.secretKey];
  const auth = accessKey && secretKey ? { accessKey, secretKey } : undefined;
  const random = config.seed === undefined ? () => systemClock.random() : seededRandom(config.seed);
  const options: SimulatorOptions = {
    port: config.port,
    host: config.host,
    random,
    faults: config.faults,
    apiJobs: { failureRate: 0.03 },
    ...(auth !== undefined && { auth }),
  };
  let stop: (signal: StopSignal) => void = () => undefined;
  const stopped = new Promise<StopSignal>((resolve) => (stop = resolve));
  const removeHandlers = onStopSignals((signal) => stop(signal));
  try {
    const simulator = await start(options);
    const ids = Array.from({ length: config.jobs }, () => simulator.addJob(drawJob(random).spec(systemClock.wallNow())));
    const authNote = auth === undefined ? `none (set ${ENV.accessKey} and ${ENV.secretKey} to enforce AK/SK)` : `AK/SK from ${ENV.accessKey} / ${ENV.secretKey}`;
    const waitFlags = `--endpoint ${simulator.url} --project ${simulator.projectId}${auth === undefined ? ' --no-auth' : ''}`;
    io.stdout.write(
      [
        `# EVS simulator listening on ${simulator.url}`,
        `# project id: ${simulator.projectId}`,
        `# auth: ${authNote}`,
        `# ${ids.length} jobs created (one id per line below; this output is a valid --file for wait):`,
        ...ids,
        `# try: evs-jobs wait ${waitFlags} --file <this output>`,
        '# serving until Ctrl-C (SIGINT) or SIGTERM',
        '',
      ].join('\n'),
    );
    const signal = await stopped;
    await simulator.close();
    io.stdout.write(`# ${signal}: simulator closed\n`);
    return EXIT.ok;
  } finally {
    removeHandlers();
  }
}

async function start(options: SimulatorOptions): Promise<Simulator> {
  try {
    return await startSimulator(options);
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(`invalid option: ${error.message}`, 'simulate');
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') throw new UsageError(`cannot listen on ${options.host}:${options.port}: ${code}`, 'simulate');
    throw error;
  }
}
