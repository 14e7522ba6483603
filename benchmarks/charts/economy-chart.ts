import type { TopLevelSpec } from 'vega-lite';
import type { FleetResult } from '../economy/economy.js';

/** How a strategy is drawn: ours stand out; the informed bound and the oracle are reference marks. */
type Role = 'ours' | 'peer' | 'informed bound' | 'oracle';

/** Legend order, and drawing order reversed: ours is drawn last, on top. */
const ROLES: readonly Role[] = ['ours', 'peer', 'informed bound', 'oracle'];

const OURS_COLOR = '#d62728';
/** Width of one panel, px. */
const WIDTH = 440;

/** Mark of each role; colours are taken in turn from the role's palette (warm for ours, cool for peers, black for references). */
const STYLE: Readonly<Record<Role, { readonly shape: string; readonly size: number; readonly filled: boolean; readonly palette: readonly string[] }>> = {
  ours: { shape: 'circle', size: 150, filled: true, palette: [OURS_COLOR, '#ff7f0e', '#e377c2', '#bcbd22', '#8c564b'] },
  peer: { shape: 'square', size: 90, filled: true, palette: ['#1f77b4', '#2ca02c', '#9467bd', '#17becf', '#7f7f7f', '#aec7e8'] },
  'informed bound': { shape: 'diamond', size: 320, filled: false, palette: ['#000000'] },
  oracle: { shape: 'cross', size: 200, filled: true, palette: ['#000000'] },
};

/** One legend for fill and stroke (same field, same scale): vega-lite merges them. */
const LEGEND = { title: 'strategy', orient: 'bottom', columns: 2, labelLimit: 400, symbolSize: 120 } as const;

interface Point {
  readonly fleet: string;
  readonly strategy: string;
  readonly role: Role;
  readonly polls: number;
  readonly lagP95: number;
  /** Drawn beside our default strategy and the reference marks; the legend names the rest. */
  readonly label: string;
  /** Mark area, px² (not in the legend, whose symbols keep one size). */
  readonly size: number;
  /** Drawing order: ours last, on top. */
  readonly layer: number;
}

/** Roles come from the strategy names the economy benchmark gives (`economy/economy.ts`, `economy/strategies/`). */
function roleOf(strategy: string): Role {
  if (strategy.startsWith('evs-job-watcher')) return 'ours';
  if (strategy.startsWith('informed bound')) return 'informed bound';
  if (strategy.startsWith('oracle')) return 'oracle';
  return 'peer';
}

/** Longest line of a panel title, in characters: vega sizes text by estimate (0.8 em a character: 45 × 12 px × 0.8 fits the panel), and a wider title widens its column. */
const HEADER_LINE = 45;

/** Breaks `text` at spaces into lines of at most `max` characters (a longer word stays whole). */
function wrap(text: string, max: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= max) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** 1, 2, 5, 10, 20, 50, … up to the first at or above `max`: tick values for a log-like axis. */
function ticksUpTo(max: number): number[] {
  const ticks: number[] = [];
  for (let decade = 1; ; decade *= 10) {
    for (const step of [1, 2, 5]) {
      ticks.push(step * decade);
      if (step * decade >= max) return ticks;
    }
  }
}

/**
 * Polls per job against p95 detection lag, every strategy of every fleet in
 * `results.economy`: one panel per fleet, in the order the benchmark ran them, so a
 * fleet (or a strategy) added to the benchmark is drawn without a change here.
 */
export function economyChart(fleets: readonly FleetResult[]): TopLevelSpec {
  const strategies = [...new Set(fleets.flatMap((fleet) => fleet.summaries.map((summary) => summary.strategy)))].sort(
    (a, b) => ROLES.indexOf(roleOf(a)) - ROLES.indexOf(roleOf(b)),
  );
  const colors = strategies.map((strategy) => {
    const role = roleOf(strategy);
    const { palette } = STYLE[role];
    return palette[strategies.filter((other) => roleOf(other) === role).indexOf(strategy) % palette.length]!;
  });
  // Every channel keyed by strategy, with one domain: vega-lite merges them into one legend showing each mark as drawn.
  const byStrategy = (range: readonly (string | number)[]) => ({ field: 'strategy', type: 'nominal' as const, sort: strategies, scale: { domain: strategies, range: [...range] }, legend: LEGEND });
  const labelled = new Set([strategies.find((strategy) => roleOf(strategy) === 'ours'), ...strategies.filter((strategy) => roleOf(strategy) !== 'ours' && roleOf(strategy) !== 'peer')]);
  const points: Point[] = fleets.flatMap((fleet) =>
    fleet.summaries.map((summary) => {
      const role = roleOf(summary.strategy);
      const { size } = STYLE[role];
      const label = labelled.has(summary.strategy) ? (role === 'ours' ? 'evs-job-watcher' : role) : '';
      const point = { fleet: [...wrap(fleet.fleet, HEADER_LINE), `${fleet.jobs} jobs (${fleet.longJobs} long)`].join('\n'), strategy: summary.strategy, role, polls: summary.all.polls, lagP95: summary.all.lagP95 };
      return { ...point, label, size, layer: ROLES.length - ROLES.indexOf(role) };
    }),
  );
  const lagTicks = [0, ...ticksUpTo(Math.max(...points.map((point) => point.lagP95)))];
  const pollTicks = ticksUpTo(Math.max(...points.map((point) => point.polls)));
  const x = {
    field: 'lagP95',
    type: 'quantitative' as const,
    title: 'p95 detection lag (s): how late a finished job is noticed',
    // Starts a little below 0 so the oracle (lag 0) stands clear of the y axis.
    scale: { type: 'symlog' as const, constant: 1, domain: [-0.4, lagTicks.at(-1)!] },
    axis: { values: lagTicks },
  };
  // The oracle's single poll sits on the floor of a log axis: start just below 1.
  const y = { field: 'polls', type: 'quantitative' as const, title: 'polls per job', scale: { type: 'log' as const, domain: [0.8, pollTicks.at(-1)!] }, axis: { values: pollTicks } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Polls per job against p95 detection lag: down and left is better', subtitle: 'every strategy on the same jobs, in virtual time (npm run bench)', anchor: 'start' },
    data: { values: points },
    facet: { field: 'fleet', type: 'nominal', title: null, sort: [...new Set(points.map((point) => point.fleet))], header: { labelFontSize: 12, labelFontWeight: 'bold', labelLimit: 0, labelExpr: "split(datum.label, '\\n')" } },
    columns: 2,
    spacing: 30,
    spec: {
      width: WIDTH,
      height: 340,
      layer: [
        {
          mark: { type: 'point', strokeWidth: 2, fillOpacity: 0.85 },
          encoding: {
            x,
            y,
            fill: byStrategy(colors.map((color, index) => (STYLE[roleOf(strategies[index]!)].filled ? color : 'transparent'))),
            stroke: byStrategy(colors),
            shape: byStrategy(strategies.map((strategy) => STYLE[roleOf(strategy)].shape)),
            size: { field: 'size', type: 'quantitative', scale: null },
            order: { field: 'layer', type: 'quantitative' },
          },
        },
        {
          mark: { type: 'text', align: 'left', dx: 12, dy: -10, fontSize: 11, fontStyle: 'italic' },
          transform: [{ filter: "datum.label !== '' && datum.role !== 'ours'" }],
          encoding: { x, y, text: { field: 'label' } },
        },
        {
          mark: { type: 'text', align: 'right', dx: -12, fontSize: 11, fontWeight: 'bold', color: OURS_COLOR },
          transform: [{ filter: "datum.label !== '' && datum.role === 'ours'" }],
          encoding: { x, y, text: { field: 'label' } },
        },
      ],
    },
    config: { font: 'DejaVu Sans, Helvetica, Arial, sans-serif', view: { stroke: '#ccc' }, axis: { grid: true, gridColor: '#eee', labelFontSize: 11, titleFontSize: 12 } },
  };
}
