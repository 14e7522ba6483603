import { parseArgs, type ParseArgsConfig } from 'node:util';
import { credentialsFromEnv, ENV, type Environment } from '../client/auth/credentials.js';
import { isService, resolveEndpoint, SERVICES, type Service } from '../client/endpoint.js';
import type { FaultOptions } from '../simulator/options.js';
import { isSafeId } from '../validation/ids.js';
import type { WatcherSettings } from '../watcher/options.js';
import { parseDuration } from './durations.js';
import { parseFaults } from './faults-spec.js';
import { parseIntegerFlag, parseNumberFlag } from './numbers.js';
import { UsageError } from './usage-error.js';

/** The subcommands of `evs-jobs`. */
export type Command = 'wait' | 'simulate' | 'demo';

const COMMANDS: readonly Command[] = ['wait', 'simulate', 'demo'];

/** What the client of `wait` connects with. */
export interface ClientConfig {
  /** Region id; absent when `endpoint` is given. */
  readonly region: string | undefined;
  /** Full endpoint URL, overriding `region`. */
  readonly endpoint: string | undefined;
  readonly projectId: string;
  readonly service: Service;
  /** `env`: credentials from the environment (AK/SK or token); `none`: `--no-auth`. */
  readonly auth: 'env' | 'none';
}

/** How `wait` watches: watcher options by their own names and units (ms). Absent fields keep the watcher's defaults. */
export interface WatchConfig extends Pick<WatcherSettings, 'timeout' | 'concurrency' | 'maxRequestsPerSecond' | 'successConfirmations' | 'maxLag' | 'notFoundChecks'> {
  /** Fixed polling interval (disables learning), in ms. */
  readonly pollInterval?: number | undefined;
}

/** `evs-jobs wait`, parsed and validated (job ids are read and checked later: they may come from a file or stdin). */
export interface WaitConfig {
  /** Job ids given as arguments; `-` means "read stdin". */
  readonly ids: readonly string[];
  /** `--file`: a path, or `-` for stdin. */
  readonly file: string | undefined;
  readonly client: ClientConfig;
  readonly watch: WatchConfig;
  readonly json: boolean;
}

/** `evs-jobs simulate`, parsed and validated. */
export interface SimulateConfig {
  readonly port: number;
  readonly host: string;
  readonly jobs: number;
  readonly faults: FaultOptions;
  readonly seed: number | undefined;
}

/** `evs-jobs demo`, parsed and validated. */
export interface DemoConfig {
  /** How many times faster than real time the scene runs. */
  readonly speed: number;
  readonly jobs: number;
  readonly seed: number;
  readonly json: boolean;
}

/** What the command line asks for. */
export type Invocation =
  | { readonly kind: 'help'; readonly command: Command | undefined }
  | { readonly kind: 'version' }
  | { readonly kind: 'wait'; readonly config: WaitConfig }
  | { readonly kind: 'simulate'; readonly config: SimulateConfig }
  | { readonly kind: 'demo'; readonly config: DemoConfig };

/** Defaults of `evs-jobs demo`. */
export const DEMO_DEFAULTS = { speed: 40, jobs: 300, seed: 1 } as const;

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Readonly<Record<string, string | boolean | undefined>>;

const COMMON: Options = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
};

const WAIT_OPTIONS: Options = {
  ...COMMON,
  file: { type: 'string', short: 'f' },
  region: { type: 'string' },
  project: { type: 'string' },
  endpoint: { type: 'string' },
  service: { type: 'string' },
  timeout: { type: 'string' },
  concurrency: { type: 'string' },
  rps: { type: 'string' },
  confirmations: { type: 'string' },
  json: { type: 'boolean' },
  'no-auth': { type: 'boolean' },
  // Tuning, for simulators and tests (documented under "Advanced" in `wait --help`).
  'max-lag': { type: 'string' },
  'poll-interval': { type: 'string' },
  'not-found-checks': { type: 'string' },
};

const SIMULATE_OPTIONS: Options = {
  ...COMMON,
  port: { type: 'string' },
  host: { type: 'string' },
  jobs: { type: 'string' },
  faults: { type: 'string' },
  seed: { type: 'string' },
};

const DEMO_OPTIONS: Options = {
  ...COMMON,
  speed: { type: 'string' },
  jobs: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean' },
};

/** The flags of each command, as `parseArgs` reads them. */
export const COMMAND_OPTIONS: Readonly<Record<Command, Options>> = { wait: WAIT_OPTIONS, simulate: SIMULATE_OPTIONS, demo: DEMO_OPTIONS };

/**
 * Parses the command line (without `node` and the script) into a typed,
 * validated {@link Invocation}. Region, project and credentials may come from `env`.
 * @throws {UsageError} with a one-line message for anything wrong.
 */
export function parseCommandLine(argv: readonly string[], env: Environment): Invocation {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError('missing command: wait, simulate or demo');
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = rest[0];
    return { kind: 'help', command: COMMANDS.includes(topic as Command) ? (topic as Command) : undefined };
  }
  if (first === '--version' || first === '-v') return { kind: 'version' };
  if (!COMMANDS.includes(first as Command)) {
    if (first.startsWith('-')) throw new UsageError(`unknown option ${first} before the command (wait, simulate or demo)`);
    throw new UsageError(`unknown command ${JSON.stringify(first)}: expected wait, simulate or demo`);
  }
  const command = first as Command;
  switch (command) {
    case 'wait': {
      const { values, positionals } = parse(command, rest, COMMAND_OPTIONS.wait, true);
      return values['help'] ? { kind: 'help', command } : values['version'] ? { kind: 'version' } : { kind: 'wait', config: waitConfig(values, positionals, env) };
    }
    case 'simulate': {
      const { values } = parse(command, rest, COMMAND_OPTIONS.simulate, false);
      return values['help'] ? { kind: 'help', command } : values['version'] ? { kind: 'version' } : { kind: 'simulate', config: simulateConfig(values) };
    }
    case 'demo': {
      const { values } = parse(command, rest, COMMAND_OPTIONS.demo, false);
      return values['help'] ? { kind: 'help', command } : values['version'] ? { kind: 'version' } : { kind: 'demo', config: demoConfig(values) };
    }
  }
}

function parse(command: Command, args: readonly string[], options: Options, allowPositionals: boolean): { values: Values; positionals: string[] } {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError(describeParseError(error), command);
  }
  // `--timeout=` parses as an empty value: as missing as `--timeout` alone.
  const empty = Object.entries(parsed.values).find(([, value]) => value === '');
  if (empty !== undefined) throw new UsageError(`--${empty[0]} needs a value`, command);
  return { values: parsed.values as Values, positionals: parsed.positionals };
}

/** Rewords `parseArgs`' errors as one short line. */
function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  const quoted = /'([^']+)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && quoted !== undefined) return `unknown option ${quoted}`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' && quoted !== undefined) return `unexpected argument ${JSON.stringify(quoted)}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && quoted !== undefined) {
    // `'-f, --file <value>' argument missing`, `'--timeout' argument is ambiguous` (followed by another flag),
    // or `'--json' does not take an argument`: name the long form when parseArgs gives both.
    const flag = /--[\w-]+/.exec(quoted)?.[0] ?? quoted.split(' ')[0] ?? quoted;
    return message.includes('does not take an argument') ? `${flag} takes no value` : `${flag} needs a value`;
  }
  return message.split('\n')[0] ?? message;
}

function text(values: Values, key: string): string | undefined {
  const value = values[key];
  return typeof value === 'string' ? value : undefined;
}

/** The numeric `wait` flags: flag, the watcher option it sets, how it is read (checked in this order). */
const WATCH_FLAGS: readonly (readonly [flag: string, option: keyof WatchConfig, parse: (flag: string, value: string) => number])[] = [
  ['timeout', 'timeout', (flag, value) => parseDuration(flag, value, 'wait')],
  ['concurrency', 'concurrency', (flag, value) => parseIntegerFlag(flag, value, 1, 1_000, 'wait')],
  ['rps', 'maxRequestsPerSecond', (flag, value) => parseNumberFlag(flag, value, 0.01, 100_000, 'wait')],
  ['confirmations', 'successConfirmations', (flag, value) => parseIntegerFlag(flag, value, 1, 100, 'wait')],
  ['max-lag', 'maxLag', (flag, value) => parseIntegerFlag(flag, value, 1, 2_147_483_647, 'wait')],
  ['poll-interval', 'pollInterval', (flag, value) => parseIntegerFlag(flag, value, 1, 2_147_483_647, 'wait')],
  ['not-found-checks', 'notFoundChecks', (flag, value) => parseIntegerFlag(flag, value, 0, 1_000, 'wait')],
];

function waitConfig(values: Values, positionals: readonly string[], env: Environment): WaitConfig {
  const client = clientConfig(values, env);
  const watch: { -readonly [Option in keyof WatchConfig]: number } = {};
  for (const [flag, option, parse] of WATCH_FLAGS) {
    const value = text(values, flag);
    if (value !== undefined) watch[option] = parse(flag, value);
  }
  const file = text(values, 'file');
  if (positionals.length === 0 && file === undefined) {
    throw new UsageError('no job ids: give them as arguments, with --file <path>, or - to read stdin', 'wait');
  }
  return { ids: positionals, file, client, watch, json: values['json'] === true };
}

function clientConfig(values: Values, env: Environment): ClientConfig {
  const service = text(values, 'service') ?? 'evs';
  if (!isService(service)) throw new UsageError(`invalid --service ${shorten(service)}: expected ${SERVICES.join(', ')}`, 'wait');
  const endpoint = text(values, 'endpoint');
  const region = text(values, 'region') ?? nonEmpty(env[ENV.region]);
  if (endpoint === undefined && region === undefined) {
    throw new UsageError(`missing region: pass --region (e.g. cn-north-4), set ${ENV.region}, or pass --endpoint`, 'wait');
  }
  checkEndpoint(endpoint, region, service);
  const projectId = text(values, 'project') ?? nonEmpty(env[ENV.projectId]);
  if (projectId === undefined) throw new UsageError(`missing project id: pass --project or set ${ENV.projectId}`, 'wait');
  if (!isSafeId(projectId)) throw new UsageError(`invalid project id ${shorten(projectId)}: expected 1-128 characters of A-Z a-z 0-9 _ - .`, 'wait');
  const auth = values['no-auth'] === true ? 'none' : 'env';
  if (auth === 'env' && credentialsFromEnv(env) === undefined) {
    throw new UsageError(
      `no credentials: set ${ENV.accessKey} and ${ENV.secretKey} (or ${ENV.token}) in the environment, or pass --no-auth for a simulator`,
      'wait',
    );
  }
  return { region: endpoint === undefined ? region : undefined, endpoint, projectId, service, auth };
}

/** Refuses what the client will refuse, with the client's own check: one parser of regions and URLs. */
function checkEndpoint(endpoint: string | undefined, region: string | undefined, service: Service): void {
  try {
    resolveEndpoint({ endpoint, region, service, allowInsecureHttp: false });
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    throw new UsageError(`invalid ${endpoint === undefined ? '--region' : '--endpoint'}: ${error.message}`, 'wait');
  }
}

function simulateConfig(values: Values): SimulateConfig {
  const port = text(values, 'port');
  const jobs = text(values, 'jobs');
  const faults = text(values, 'faults');
  const seed = text(values, 'seed');
  const host = text(values, 'host') ?? '127.0.0.1';
  return {
    port: port === undefined ? 0 : parseIntegerFlag('port', port, 0, 65_535, 'simulate'),
    host,
    jobs: jobs === undefined ? 20 : parseIntegerFlag('jobs', jobs, 0, 100_000, 'simulate'),
    faults: faults === undefined ? {} : parseFaults(faults),
    seed: seed === undefined ? undefined : parseIntegerFlag('seed', seed, 0, 4_294_967_295, 'simulate'),
  };
}

function demoConfig(values: Values): DemoConfig {
  const speed = text(values, 'speed');
  const jobs = text(values, 'jobs');
  const seed = text(values, 'seed');
  return {
    speed: speed === undefined ? DEMO_DEFAULTS.speed : parseNumberFlag('speed', speed, 1, 1_000, 'demo'),
    jobs: jobs === undefined ? DEMO_DEFAULTS.jobs : parseIntegerFlag('jobs', jobs, 10, 5_000, 'demo'),
    seed: seed === undefined ? DEMO_DEFAULTS.seed : parseIntegerFlag('seed', seed, 0, 4_294_967_295, 'demo'),
    json: values['json'] === true,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function shorten(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}
