import { copyExampleOutputs } from './example-outputs.js';
import { architectureNames } from '../settings/settings.js';
import { spackOutputsRoot } from '../spack/environment.js';
import { loadProject } from './project.js';
import type { Terminal } from './terminal.js';

/** What `demo` is asked. */
export interface DemoOptions {
  definitions: string;
  settings: string;
  /** Bundled `spack ci generate` outputs, standing in for the generate jobs. */
  examples: string;
}

/**
 * The root pipeline's generator steps, offline, into generated/: `run` runs one spacktainers
 * command line and returns its exit code. Returns the first failing step's code, or the last's.
 */
export async function runDemo(
  options: DemoOptions,
  environment: NodeJS.ProcessEnv,
  terminal: Terminal,
  run: (args: string[]) => Promise<number>,
): Promise<number> {
  const generated = 'generated';
  const common = ['--definitions', options.definitions, '--settings', options.settings, '--offline'];
  if ((await run(['create-jobs', ...common, '--output', generated])) !== 0) return 1;
  const project = await loadProject(options.definitions, options.settings, environment);
  const copied = await copyExampleOutputs(project.definitions, options.examples, generated);
  terminal.stdout.write(`generate jobs (stood in for by ${options.examples}): ${copied.join(', ') || 'none'}\n`);
  for (const arch of architectureNames(project.settings).filter((each) => project.definitions.definitions.some((d) => d.arch === each))) {
    const missing = project.definitions.definitions.filter((d) => d.arch === arch && d.kind === 'spack' && !copied.includes(`${arch}/${d.name}`));
    if (missing.length > 0) {
      terminal.stdout.write(`${arch}: no bundled Spack outputs for ${missing.map((d) => d.name).join(', ')}; skipped here, its generate jobs run in GitLab\n`);
      continue;
    }
    const spack = [
      '--arch',
      arch,
      '--settings',
      options.settings,
      '--input',
      spackOutputsRoot(arch, generated),
      '--output',
      `${generated}/${arch}/spack-pipeline`,
    ];
    if ((await run(['process-spack-pipeline', ...spack])) !== 0) return 1;
    if ((await run(['container-jobs', '--arch', arch, ...common, '--generated', generated])) !== 0) return 1;
  }
  // What a user asks once the pipeline ran: where is my container, and what is inside.
  terminal.stdout.write('\nspacktainers status --offline (offline, nothing is taken as published):\n');
  if ((await run(['status', ...common, '--generated', generated])) !== 0) return 1;
  terminal.stdout.write('\nspacktainers status --package python:\n');
  return run(['status', '--definitions', options.definitions, '--settings', options.settings, '--generated', generated, '--package', 'python']);
}
