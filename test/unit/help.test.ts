import { describe, expect, it } from 'vitest';
import { buildCli, colorDepth, commands } from '../../generator/cli/main.js';
import { VALUE_NAMES } from '../../generator/cli/help.js';

const help = (args: string[]) =>
  buildCli().usage(
    commands.find((command) => command.paths.some((p) => p.join(' ') === args.join(' '))),
    { detailed: true },
  );

describe('help', () => {
  it('names every option value and shows defaults, in every command', () => {
    for (const command of commands) {
      const text = buildCli().usage(command, { detailed: true });
      expect(text, command.paths[0]!.join(' ')).not.toMatch(/#\d| VALUE\b/);
    }
  });

  it('shows plan with its value names, defaults and a usage line with the option it needs', () => {
    const text = help(['plan']);
    expect(text).toContain('\n$ spacktainers plan --input DIR [options]\n');
    expect(text).toMatch(/\n {2}--input DIR {2,}Folder of spack ci generate outputs .* \(required\)\n/);
    expect(text).toMatch(/\n {2}--max-yaml-bytes BYTES {2,}Largest YAML text of one child pipeline, in bytes \(default: 1000000\)\n/);
    expect(text).toMatch(/\n {2}--settings FILE {2,}.* \(default: settings\.yaml\)\n/);
    expect(text).toMatch(/\n {2}--json {2,}Print the plan as JSON/);
  });

  it('lists every command with the options it needs, and the positional arguments', () => {
    const text = buildCli().usage(null);
    expect(text).toContain('\n  spacktainers modules publish --arch ARCH --name NAME --version VERSION --sif-key KEY [options]\n');
    expect(text).toContain('\n  spacktainers status [options] [name]\n');
    expect(text).toContain('\n  spacktainers validate [options]\n');
    expect(text).not.toContain('\x1b');
  });

  it('has a value name for each option that takes one, one vocabulary across commands', () => {
    const flags = new Set(
      commands.flatMap((command) =>
        [
          ...buildCli()
            .usage(command, { detailed: true })
            .matchAll(/^ {2}(--[a-z-]+) [A-Z]/gm),
        ].map((m) => m[1]!),
      ),
    );
    expect([...flags].filter((flag) => !(flag in VALUE_NAMES))).toEqual([]);
  });

  it('is coloured only when asked: on a terminal, not with NO_COLOR, and with FORCE_COLOR even on a pipe', () => {
    expect(buildCli(true).usage(null)).toContain('\x1b[1m');
    expect(colorDepth({ isTTY: false }, { TERM: 'xterm-256color' })).toBe(1);
    expect(colorDepth({ isTTY: true }, { TERM: 'xterm-256color' })).toBe(8);
    expect(colorDepth({ isTTY: true }, { TERM: 'xterm-256color', NO_COLOR: '1' })).toBe(1);
    expect(colorDepth({ isTTY: true }, { TERM: 'dumb' })).toBe(1);
    expect(colorDepth({ isTTY: false }, { FORCE_COLOR: '1' })).toBeGreaterThan(1);
    expect(colorDepth({ isTTY: false }, { FORCE_COLOR: '0' })).toBe(1);
  });
});
