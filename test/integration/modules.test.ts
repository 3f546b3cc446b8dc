import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { moduleFiles, type ContainerModule, type ModuleSettings } from '../../generator/modules/modulefile.js';

const numpy: ContainerModule = {
  name: 'numpy',
  version: '1.26.1',
  arch: 'amd64',
  description: 'NumPy with its Python stack',
  sifKey: 'numpy/numpy-1.26.1.sif',
  executables: ['python3', 'f2py', 'python3.11', 'bad name', '$(id)'],
  lockDigest: 'sha256:abc',
};

/** Write the module tree and a stub runtime that prints how it was called. */
async function publish(settings: Omit<ModuleSettings, 'root'>) {
  const root = await mkdtemp(path.join(tmpdir(), 'spacktainers-modules-'));
  const full: ModuleSettings = { ...settings, root };
  const { files, skipped } = moduleFiles(numpy, full);
  for (const file of files) {
    await mkdir(path.dirname(path.join(root, file.path)), { recursive: true });
    await writeFile(path.join(root, file.path), file.text, { mode: file.mode });
  }
  const stubs = path.join(root, 'stub-bin');
  await mkdir(stubs);
  await writeFile(path.join(stubs, settings.runtime), '#!/bin/sh\necho "RUNTIME $0 $*"\n');
  await chmod(path.join(stubs, settings.runtime), 0o755);
  return { root, files, skipped, stubs };
}

/** Run a command in a login-like bash with real Lmod, the given module path and a stub runtime. */
function withLmod(modulePath: string, stubs: string, command: string): string {
  return execFileSync('bash', ['-c', `source /usr/share/lmod/lmod/init/bash && module use ${modulePath} && ${command}`], {
    encoding: 'utf8',
    env: { PATH: `${stubs}:/usr/bin:/bin`, HOME: tmpdir() },
  });
}

describe('module files', () => {
  it('loads with Lmod and runs each executable inside the SIF with the binds', async () => {
    const { root, skipped, stubs } = await publish({ runtime: 'singularity', binds: ['/scratch', '/home'], tcl: false });
    expect(skipped).toEqual(['bad name', '$(id)']);
    const out = withLmod(`${root}/modules/amd64/lua`, stubs, 'module load numpy/1.26.1 && python3 -c "print(1)" && echo "SIF=$SPACKTAINERS_SIF"');
    expect(out).toContain(`RUNTIME ${stubs}/singularity exec --bind /scratch --bind /home ${root}/numpy/numpy-1.26.1.sif python3 -c print(1)`);
    expect(out).toContain(`SIF=${root}/numpy/numpy-1.26.1.sif`);
  });

  it('gives a container without a view one wrapper that runs its runscript', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'spacktainers-modules-'));
    const { files } = moduleFiles(
      { ...numpy, name: 'ubuntu-tools', version: '24.04', sifKey: 'ubuntu-tools/ubuntu-tools-24.04.sif', executables: 'runscript' },
      { root, runtime: 'apptainer', binds: [], tcl: false },
    );
    expect(files.map((f) => f.path)).toEqual(['wrappers/amd64/ubuntu-tools/24.04/bin/ubuntu-tools', 'modules/amd64/lua/ubuntu-tools/24.04.lua']);
    expect(files[0]!.text).toContain(
      `exec apptainer run \${SPACKTAINERS_BINDS:+--bind "$SPACKTAINERS_BINDS"} ${root}/ubuntu-tools/ubuntu-tools-24.04.sif "$@"`,
    );
  });

  it('shows name, version and description to `module whatis`, and unloads cleanly', async () => {
    const { root, stubs } = await publish({ runtime: 'apptainer', binds: [], tcl: false });
    const whatis = withLmod(`${root}/modules/amd64/lua`, stubs, 'module whatis numpy/1.26.1 2>&1');
    expect(whatis).toMatch(/Version: 1\.26\.1/);
    const after = withLmod(`${root}/modules/amd64/lua`, stubs, 'module load numpy && module unload numpy && echo "PATH=$PATH"');
    expect(after).not.toContain('wrappers');
  });

  it('writes a Tcl module file that tclsh parses and Lmod loads', async () => {
    const { root, files, stubs } = await publish({ runtime: 'apptainer', binds: ['/scratch'], tcl: true });
    const tclFile = files.find((f) => f.path.includes('/tcl/'))!;
    // Parse it as Tcl: every command must be complete (balanced braces and quotes).
    const check = execFileSync('tclsh', [], {
      input: `set f [open ${path.join(root, tclFile.path)}]; set n 0; set cmd ""\nwhile {[gets $f line] >= 0} { append cmd $line "\\n"; if {[info complete $cmd]} { set cmd "" } }\nputs [expr {$cmd eq "" ? "complete" : "incomplete"}]\n`,
      encoding: 'utf8',
    });
    expect(check.trim()).toBe('complete');
    const out = withLmod(`${root}/modules/amd64/tcl`, stubs, 'module load numpy/1.26.1 && f2py --help');
    expect(out).toContain(`RUNTIME ${stubs}/apptainer exec --bind /scratch ${root}/numpy/numpy-1.26.1.sif f2py --help`);
  });
});
