import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Option } from 'clipanion';
import * as t from 'typanion';
import { SpacktainersCommand } from '../base-command.js';
import { definitionsOption, generatedOption, offlineOption, settingsOption } from '../options.js';
import { readContainerSources } from '../../containers/read-container-sources.js';
import {
  containersShipping,
  containerStatus,
  renderStatusTable,
  unconcretizedStatus,
  type ContainerStatus,
} from '../../containers/status.js';
import { planPublications } from '../../jobs/container-jobs.js';
import { loadProject } from '../../jobs/project.js';
import { publishedState } from '../../jobs/published.js';
import { ARCHITECTURES } from '../../settings/settings.js';
import { environmentPaths } from '../../spack/environment.js';
import { readLocks } from '../../spack/read-locks.js';

export class StatusCommand extends SpacktainersCommand {
  static override paths = [['status']];
  static override usage = SpacktainersCommand.Usage({
    description: 'Where is my container? Its tag, and whether the registry, the SIF bucket and Docker Hub have it',
    details: `
      For each definition and architecture: the tag it should have (from its concretized spack.lock in
      \`<generated>/<arch>/spack-outputs/\`), whether the registry has that tag with the same labels,
      whether its SIF is in the SIF bucket with the same metadata, on the default branch whether Docker Hub
      has it, and the pipeline that built the image in the registry. \`current\` means published with
      exactly these contents, \`outdated\` published with other contents, \`missing\` not there.

      \`--package NAME[@VERSION]\` answers which containers ship a package instead (a version prefix
      matches: \`py-numpy@1.26\` finds 1.26.1).
    `,
    examples: [
      ['Everything, as a table', '$0 status'],
      ['One container on arm64, for tools', '$0 status --arch arm64 numpy --json'],
      ['Which containers ship NumPy 1.26?', '$0 status --package py-numpy@1.26'],
    ],
  });

  name = Option.String({ required: false, name: 'name' });
  arch = Option.String('--arch', { description: 'Only this architecture', validator: t.isEnum(ARCHITECTURES) });
  json = Option.Boolean('--json', false, { description: 'Print JSON for tools instead of a table' });
  packageQuery = Option.String('--package', { description: 'NAME[@VERSION]: list the containers that ship this package' });
  definitions = definitionsOption();
  settings = settingsOption();
  generated = generatedOption();
  offline = offlineOption();

  async run(): Promise<number> {
    const project = await loadProject(this.definitions, this.settings);
    const arches = ARCHITECTURES.filter((arch) => !this.arch || arch === this.arch);
    const selected = project.definitions.definitions.filter((d) => arches.includes(d.arch) && (!this.name || d.name === this.name));
    if (selected.length === 0) {
      this.context.stderr.write(`no switched-on definition ${this.name ?? ''} for ${arches.join(', ')}\n`);
      return 1;
    }
    const definitions = { ...project.definitions, definitions: selected };
    const locksByArch = new Map(await Promise.all(arches.map(async (arch) => [arch, await readLocks(definitions, arch, this.generated)] as const)));

    if (this.packageQuery) {
      const [name, version] = this.packageQuery.split('@') as [string, string | undefined];
      const locks = [...locksByArch].flatMap(([arch, locks]) => [...locks].map(([container, locked]) => ({ arch, name: container, locked })));
      const matches = containersShipping(locks, name, version);
      if (this.json) this.context.stdout.write(`${JSON.stringify(matches, null, 2)}\n`);
      else {
        for (const match of matches) {
          const found = match.packages.map((p) => `${p.name}@${p.version} /${p.hash.slice(0, 7)} ${p.variants}`.trim()).join('; ');
          this.context.stdout.write(`${match.arch}/${match.container}: ${found}\n`);
        }
        this.context.stdout.write(`${matches.length} container(s) ship ${this.packageQuery}\n`);
      }
      return 0;
    }

    const rows: ContainerStatus[] = [];
    const published = publishedState(project.settings, process.env, this.offline);
    const template = await readFile(path.join(project.root, 'spacktainer', 'Dockerfile'), 'utf8');
    for (const arch of arches) {
      const locks = locksByArch.get(arch)!;
      const concretized = selected.filter((d) => d.arch === arch && (d.kind === 'custom' || locks.has(d.name)));
      for (const d of selected.filter((d) => d.arch === arch && !concretized.includes(d))) {
        rows.push(unconcretizedStatus(arch, d.name, `${environmentPaths(arch, d.name, this.generated).outputDir}/spack.lock`));
      }
      if (concretized.length === 0) continue;
      const { publications } = await planPublications({
        ...project,
        definitions: { ...definitions, definitions: concretized },
        arch,
        locks,
        sources: await readContainerSources(project.root, definitions, arch),
        dockerfileTemplate: template,
        published,
        generatedRoot: this.generated,
      });
      rows.push(...publications.map(containerStatus));
    }
    rows.sort((a, b) => a.arch.localeCompare(b.arch) || a.name.localeCompare(b.name));
    this.context.stdout.write(this.json ? `${JSON.stringify(rows, null, 2)}\n` : renderStatusTable(rows));
    return 0;
  }
}
