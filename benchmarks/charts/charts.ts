// Draws the benchmark's headline chart as SVG from a results file, beside it: results/latest.json → results/latest-economy.svg.
// Usage (from the repository root): npm run --prefix benchmarks charts [-- results/latest.json]; `bench` ends with it.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FleetResult } from '../economy/economy.js';
import { economyChart } from './economy-chart.js';
import { toSvg } from './render.js';

const here = dirname(fileURLToPath(import.meta.url));
const file = resolve(here, '..', process.argv[2] ?? 'results/latest.json');
const results = JSON.parse(readFileSync(file, 'utf8')) as { readonly economy?: readonly FleetResult[] };
if (results.economy === undefined || results.economy.length === 0) throw new Error(`${file} has no economy results to draw`);

const out = join(dirname(file), `${basename(file, '.json')}-economy.svg`);
writeFileSync(out, `${await toSvg(economyChart(results.economy))}\n`);
console.log(`wrote ${out} (${results.economy.length} fleets)`);
