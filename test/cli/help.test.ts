import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMAND_OPTIONS, type Command } from '../../src/cli/args.js';
import { helpText } from '../../src/cli/help.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
/** The README's CLI section, up to the next section. */
const CLI_SECTION = README.slice(README.indexOf('\n## CLI'), README.indexOf('\n## ', README.indexOf('\n## CLI') + 1));

describe('every flag is documented', () => {
  it.each(Object.keys(COMMAND_OPTIONS) as Command[])('%s: in its --help and in the README, with its short form', (command) => {
    const help = helpText(command);
    for (const [name, option] of Object.entries(COMMAND_OPTIONS[command])) {
      const flag = option.short === undefined ? `--${name}` : `-${option.short}, --${name}`;
      expect(help, `${command} --help`).toContain(flag);
      expect(CLI_SECTION, `README, ${command}`).toContain(option.short === undefined ? `\`--${name}` : `\`-${option.short}\`, \`--${name}`);
    }
  });
});
