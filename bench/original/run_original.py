"""Run the original tool's `jc process-spack-pipeline` once, for bench/original-tool.ts.

Usage: python3 run_original.py SOURCE PIPELINE_DIR OUT_DIR
  SOURCE        the original's job_creator/src folder (see PROVENANCE.md)
  PIPELINE_DIR  one folder per container, each holding that container's `spack ci generate` output
  OUT_DIR       where the child pipelines go; the original takes the architecture from its name
                (`artifacts.amd64`) and writes its other files into the working folder

Prints one JSON line: the command's own time and the process's peak RSS. Exits with 3 and one
line naming what is missing when the original cannot be imported.

The original's `__main__` also imports `containers` and `packages` for its other commands; the
first needs boto3, GitPython and more files of the original, and neither is used by
process-spack-pipeline. They are replaced by empty modules here, so only the original's own
code runs the command.
"""

import json
import os
import resource
import sys
import time
import types

NEEDED = ["ruamel.yaml", "natsort", "click", "requests"]


def missing_modules():
    missing = []
    for name in NEEDED:
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    return missing


def unused_module(name, names):
    """A stand-in for a module the command never calls into: its names exist, and fail if called."""
    module = types.ModuleType(name)

    def unused(*args, **kwargs):
        raise RuntimeError(f"{name} is not part of process-spack-pipeline")

    for attribute in names:
        setattr(module, attribute, unused)
    return module


def main():
    source, pipeline_dir, out_dir = sys.argv[1:4]
    missing = missing_modules()
    if missing:
        print(
            f"the original tool needs the Python modules {', '.join(NEEDED)} for {sys.executable};"
            f" missing: {', '.join(missing)}"
            " (on Debian: apt-get install python3-ruamel.yaml python3-natsort python3-click python3-requests,"
            " and ORIGINAL_PYTHON=/usr/bin/python3 when python3 is another Python)"
        )
        sys.exit(3)
    if not os.path.isfile(os.path.join(source, "job_creator", "__main__.py")):
        print(f"the original tool's source is not at {source} (see bench/original/PROVENANCE.md)")
        sys.exit(3)
    sys.path.insert(0, source)
    sys.modules["job_creator.containers"] = unused_module(
        "job_creator.containers",
        ["Spacktainerizer", "generate_base_container_workflow", "generate_spacktainers_workflow"],
    )
    sys.modules["job_creator.packages"] = unused_module("job_creator.packages", ["generate_packages_workflow"])
    from job_creator.__main__ import jc

    started = time.perf_counter()
    jc.main(["process-spack-pipeline", "-d", pipeline_dir, "-o", out_dir], standalone_mode=False)
    command_ms = (time.perf_counter() - started) * 1000
    max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"commandMs": command_ms, "maxRssMB": max_rss_mb}))


if __name__ == "__main__":
    main()
